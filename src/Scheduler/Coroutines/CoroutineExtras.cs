namespace Scheduler;

/// <summary>
/// The parts of a coroutine that most coroutines never need, allocated on first use and kept: a name, parent
/// frames, joiners, what a non-timer wait parks on, the outcome. Keeping them out of <see cref="Coroutine"/>
/// keeps a plain task at 64 bytes, which is what a million sleeping tasks pay.
/// </summary>
internal sealed class CoroutineExtras
{
    public string? Name;

    /// <summary>Parent frames while the coroutine delegates.</summary>
    public FrameStack? Stack;

    /// <summary>Coroutines and branches joined to this one, in join order.</summary>
    public WaiterList? Joiners;

    /// <summary>The <see cref="WaiterList"/> or <see cref="CompositeWaiter"/> the coroutine is parked on.</summary>
    public object? ParkedOn;

    /// <summary>The value the root routine returned, or null.</summary>
    public ReturnValue? Result;

    /// <summary>The fault (or, with <see cref="CoroutineFlags.PendingFault"/>, the fault to end with).</summary>
    public Exception? Exception;

    /// <summary>The cached wait returned by <see cref="Wait.Settled(Coroutine)"/>.</summary>
    public SettledWait? Settled;
}
