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
}
