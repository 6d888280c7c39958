namespace Scheduler;

/// <summary>
/// The parts of a coroutine that most coroutines never need: a name, parent frames, joiners, the outcome.
/// Keeping them out of <see cref="Coroutine"/> keeps a plain task at 80 bytes, which is what a million
/// sleeping tasks pay. The loop rents them from a pool on first use and takes them
/// back when a coroutine ends with nothing a caller can still read here, so joins and delegation allocate
/// nothing in steady state.
/// </summary>
internal sealed class CoroutineExtras
{
    // Kept across reuse only while small, so one deep chain or one crowd of joiners is not retained forever.
    private const int RetainedCapacity = 64;

    public string? Name;

    /// <summary>Parent frames while the coroutine delegates.</summary>
    public FrameStack? Stack;

    /// <summary>Coroutines and branches joined to this one, in join order.</summary>
    public WaiterList? Joiners;

    /// <summary>
    /// Library parts that follow this coroutine's end without observing it (a lock watching its owner, a task
    /// group watching its owner): woken before the joiners, and never counted as observing a fault.
    /// </summary>
    public WaiterList? Watchers;

    /// <summary>The value the root routine returned, or null.</summary>
    public ReturnValue? Returned;

    /// <summary>The fault (or, with <see cref="CoroutineFlags.PendingFault"/>, the fault to end with).</summary>
    public Exception? Exception;

    /// <summary>The cached wait returned by <see cref="Wait.Settled(Coroutine)"/>.</summary>
    public SettledWait? Settled;

    /// <summary>The task group that spawned this coroutine, or null: its owner is the coroutine's parent in task dumps.</summary>
    public TaskGroup? Group;

    /// <summary>The state of the logging scope each step runs in, when the loop's <c>LogScopes</c> is on.</summary>
    public CoroutineLogScope? LogScope;

    /// <summary>Whether nothing here can be read through the ended coroutine's public members any more.</summary>
    public bool IsRecyclable => Name is null && Returned is null && Exception is null && Settled is null;

    /// <summary>Clears the extras for reuse by another coroutine, keeping a small frame stack.</summary>
    public void Reset()
    {
        LogScope = null;
        Group = null;
        if (Stack is { Capacity: > RetainedCapacity })
        {
            Stack = null;
        }
    }

    /// <summary>Whether a (now empty) list is small enough for the loop to keep for reuse.</summary>
    public static bool IsWorthKeeping(WaiterList? list) => list is { Capacity: <= RetainedCapacity };
}
