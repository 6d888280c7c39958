namespace Scheduler;

/// <summary>Combinators that apply to any <see cref="WaitCondition"/>.</summary>
public static class WaitConditionExtensions
{
    /// <summary>Creates a wait that resumes when <paramref name="wait"/> fires or <paramref name="timeout"/> has passed, whichever is first.</summary>
    /// <remarks>
    /// <para>The limit starts when the coroutine yields the returned wait: it resumes in the first round that
    /// starts at or after yield time + <paramref name="timeout"/> (phase (b), like <see cref="Wait.For"/>), or in
    /// the round after <paramref name="wait"/> fires. Read <see cref="TimeoutWait.TimedOut"/> afterwards. The
    /// losing registration (the timer, or the join, signal or channel registration) is removed the moment the
    /// other fires, and cancelling the waiter removes both.</para>
    /// <para>A coroutine passed as <paramref name="wait"/> is joined: its fault or cancellation is inherited if it
    /// ends first (use <see cref="Wait.Settled"/> to inspect it instead). Grants (a semaphore permit, a channel
    /// item) flow through as they do for <see cref="Wait.Any"/>: a grant handed over by the inner wait is the
    /// waiter's, and on a timeout nothing was taken.</para>
    /// <para><see cref="Timeout.InfiniteTimeSpan"/> and <see cref="TimeSpan.MaxValue"/> never time out and hold no
    /// timer; <see cref="TimeSpan.Zero"/> times out in the next round unless <paramref name="wait"/> already holds
    /// when yielded (a finished coroutine, <see cref="Wait.NextTick"/>), in which case it wins.</para>
    /// </remarks>
    /// <param name="wait">The wait to race against the limit; a coroutine may be passed directly.</param>
    /// <param name="timeout">The limit; zero or more, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <returns>A new wait that records whether the limit ran out; give each waiting coroutine its own.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="wait"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="wait"/> runs inside its coroutine (<see cref="Routine.Return{T}(T)"/>, a <see cref="RoutineCall{T}"/>) and cannot be raced.</exception>
    public static TimeoutWait WithTimeout(this WaitCondition wait, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(wait);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), timeout, "A timeout cannot be negative; use TimeSpan.Zero to time out in the next round, or Timeout.InfiniteTimeSpan for no limit.");
        }

        if (!wait.IsComposable)
        {
            throw new ArgumentException($"{wait} runs inside its coroutine and cannot be raced against a timeout.", nameof(wait));
        }

        return new TimeoutWait(wait, timeout);
    }
}
