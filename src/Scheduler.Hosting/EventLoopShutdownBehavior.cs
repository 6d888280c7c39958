namespace Scheduler.Hosting;

/// <summary>How the hosted loop ends its coroutines when the host stops.</summary>
/// <remarks>
/// Either way every coroutine ends canceled or by itself, every <c>finally</c> block runs on the loop thread, and
/// the whole stop is bounded by the host's shutdown timeout (<c>HostOptions.ShutdownTimeout</c>).
/// </remarks>
public enum EventLoopShutdownBehavior
{
    /// <summary>Every live coroutine is canceled at once; the stop waits until all have ended.</summary>
    CancelAll = 0,

    /// <summary>
    /// The stopping token is canceled and the coroutines get <see cref="EventLoopHostOptions.DrainTimeout"/> to end
    /// by themselves (say, after finishing the item in hand); the ones still alive then are canceled.
    /// </summary>
    DrainThenCancel = 1,
}
