namespace Scheduler.Hosting;

/// <summary>
/// What the host does when a coroutine on the hosted loop faults and nobody observes the fault: the loop's
/// counterpart of <c>BackgroundServiceExceptionBehavior</c>.
/// </summary>
/// <remarks>
/// It applies to every fault the loop reports as unobserved (<see cref="EventLoop.UnobservedFault"/>): a hosted
/// routine (nobody joins those), a coroutine another service spawned and nobody joined, a posted callback that
/// threw. A fault that some coroutine observes by joining is that coroutine's business, not the host's.
/// </remarks>
public enum RoutineFaultBehavior
{
    /// <summary>The fault is logged at Error with the coroutine's name (event 1 of category <c>Scheduler.EventLoop</c>) and the host keeps running.</summary>
    Log = 0,

    /// <summary>
    /// The fault is logged, the application is stopped (<c>IHostApplicationLifetime.StopApplication</c>), and the
    /// host's stop, so also its run call, throws the exception once the loop has shut down gracefully.
    /// </summary>
    StopHost = 1,
}
