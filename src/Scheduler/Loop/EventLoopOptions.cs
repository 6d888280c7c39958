using Microsoft.Extensions.Logging;

namespace Scheduler;

/// <summary>Settings for an <see cref="EventLoop"/>, read once when the loop is created.</summary>
public sealed class EventLoopOptions
{
    /// <summary>Gets or sets the clock that timers and <see cref="Wait.For"/> use.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>. Use a <see cref="VirtualClock"/> in tests.</value>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets whether <see cref="EventLoop.Run"/> keeps running when no coroutine is alive.</summary>
    /// <value>
    /// The default is false: <see cref="EventLoop.Run"/> returns once every coroutine has ended. Hosts that
    /// spawn or post work later set it to true and stop the loop with the cancellation token.
    /// </value>
    public bool KeepRunningWhenEmpty { get; set; }

    /// <summary>
    /// Gets or sets how long <see cref="EventLoop.Run"/> sleeps between rounds when the only parked work is
    /// predicate waits (<see cref="Wait.Until"/>, <see cref="Wait.While"/>), measured on <see cref="Clock"/>.
    /// </summary>
    /// <value>The default is 1 millisecond. <see cref="EventLoop.Tick"/> and <see cref="EventLoop.RunUntilIdle()"/> never sleep.</value>
    public TimeSpan PredicatePollInterval { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Gets or sets the logger for unobserved faults and other reports; also settable through the loop's constructor.</summary>
    /// <value>The default is null: nothing is logged, but <see cref="EventLoop.UnobservedFault"/> is still raised.</value>
    public ILogger? Logger { get; set; }

    /// <summary>Gets or sets a name for the loop, used in logs, dumps, metrics tags and by hosts as the thread name.</summary>
    /// <value>The default is null, which reads as <c>event-loop</c>.</value>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets whether each step runs inside a logging scope (<see cref="ILogger.BeginScope{TState}"/> on
    /// <see cref="Logger"/>) carrying <c>CoroutineId</c> and <c>CoroutineName</c>, so that what a task logs says
    /// which task wrote it.
    /// </summary>
    /// <value>
    /// The default is false: steps run on the fast path with no scope. A scope costs a call into the logging
    /// provider per step (tens of nanoseconds and, with most providers, an allocation), which matters for
    /// tasks that step millions of times a second and not at all for service code. Hosts turn it on.
    /// </value>
    public bool LogScopes { get; set; }

    /// <summary>
    /// Gets or sets a seed that makes the loop permute, deterministically, the coroutines that are ready at the
    /// start of each round's steps. For tests: code that depends on an order the loop does not promise fails
    /// under some seed, and the same seed replays the same order.
    /// </summary>
    /// <value>The default is null: FIFO order, as documented.</value>
    /// <remarks>
    /// Only the order among coroutines ready in the same round changes; a coroutine still steps once per
    /// round, what becomes ready during a round still waits for the next one, and timers still fire in
    /// deadline order. Joiners, signal waiters and channel readers are still woken FIFO; they run in a permuted
    /// order in the round after.
    /// </remarks>
    public int? ShuffleSeed { get; set; }

    /// <summary>
    /// Gets or sets how long a single step may run before the blocking watchdog reports it, while it is still
    /// running, with the task's name, its stack of routines and how long it has run.
    /// </summary>
    /// <value>
    /// The default is 100 milliseconds, measured on the real clock whatever <see cref="Clock"/> is (a virtual
    /// clock does not move while a step blocks). <see cref="Timeout.InfiniteTimeSpan"/> turns the watchdog
    /// off. The watchdog watches only while <see cref="EventLoop.Run"/> or <see cref="EventLoop.RunAsync"/>
    /// drive the loop, the drivers of production code; it costs the loop nothing per step.
    /// </value>
    public TimeSpan SlowStepThreshold { get; set; } = TimeSpan.FromMilliseconds(100);
}
