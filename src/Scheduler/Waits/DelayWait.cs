namespace Scheduler;

/// <summary>
/// Waits a duration on the loop's clock. The deadline (now + duration, read when the coroutine yields) lives in
/// the loop's timer heap entry, not here, so one instance serves every coroutine that sleeps that long.
/// </summary>
internal sealed class DelayWait(TimeSpan duration) : WaitCondition
{
    public TimeSpan Duration { get; } = duration;

    internal override void Park(EventLoop loop, IWaiter waiter) => loop.ParkTimer(waiter, Duration);

    public override string ToString() => IsForever(Duration) ? "Wait.Forever" : $"Wait.For({Duration})";

    /// <summary>Durations that never elapse: they park without a timer.</summary>
    public static bool IsForever(TimeSpan duration) => duration == TimeSpan.MaxValue || duration == Timeout.InfiniteTimeSpan;
}
