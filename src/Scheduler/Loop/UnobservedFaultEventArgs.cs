namespace Scheduler;

/// <summary>Describes a fault that nobody observed (see <see cref="EventLoop.UnobservedFault"/>).</summary>
/// <param name="coroutine">The coroutine that faulted, or null when the fault belongs to no single coroutine.</param>
/// <param name="exception">The exception, exactly as thrown.</param>
public sealed class UnobservedFaultEventArgs(Coroutine? coroutine, Exception exception) : EventArgs
{
    /// <summary>
    /// Gets the coroutine that faulted, or null when the fault belongs to no single coroutine: a callback passed to
    /// <see cref="EventLoop.Post"/>, or the gathered fault of a <see cref="TaskGroup"/> (the log message names the group).
    /// </summary>
    public Coroutine? Coroutine { get; } = coroutine;

    /// <summary>Gets the exception, exactly as thrown (never wrapped).</summary>
    public Exception Exception { get; } = exception;
}
