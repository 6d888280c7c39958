namespace Scheduler;

/// <summary>
/// Waits for another wait, or for a time limit, whichever comes first, and records which. Created by
/// <see cref="WaitConditionExtensions.WithTimeout(WaitCondition, TimeSpan)"/>.
/// </summary>
/// <remarks>
/// <para>The wait is a <see cref="Wait.Any"/> of <see cref="Inner"/> and <c>Wait.For(Timeout)</c>: when one fires,
/// the other's registration is removed at once, so no timer outlives a wait that finished first and no joiner
/// is left on a coroutine that took too long.</para>
/// <para>A coroutine as <see cref="Inner"/> is joined: if it ends first and faulted or was canceled, the waiter
/// inherits that outcome, exactly as if it had yielded the coroutine. Wrap it in <see cref="Wait.Settled"/> to
/// resume whatever the outcome and inspect it instead.</para>
/// <para><see cref="TimedOut"/> describes the most recent completion of this instance, so give each coroutine
/// its own <see cref="TimeoutWait"/> when several wait at the same time. One coroutine may yield the same
/// instance again and again.</para>
/// </remarks>
/// <example>
/// <code>
/// var reply = worker.WithTimeout(TimeSpan.FromSeconds(5));
/// yield return reply;
/// if (reply.TimedOut) { worker.Cancel(); }
/// </code>
/// </example>
public sealed class TimeoutWait : WaitCondition
{
    private readonly AnyWait _race;

    internal TimeoutWait(WaitCondition inner, TimeSpan timeout)
    {
        Inner = inner;
        Timeout = timeout;
        _race = new AnyWait([inner, Wait.For(timeout)]);
    }

    /// <summary>Gets the wait that is raced against the time limit.</summary>
    public WaitCondition Inner { get; }

    /// <summary>Gets the time limit, counted from the moment the coroutine yields this wait.</summary>
    /// <value><see cref="System.Threading.Timeout.InfiniteTimeSpan"/> (or <see cref="TimeSpan.MaxValue"/>) when there is no limit.</value>
    public TimeSpan Timeout { get; }

    /// <summary>Gets whether the time limit ran out before <see cref="Inner"/> fired, the last time this wait completed.</summary>
    /// <value>False before the first completion, and whenever <see cref="Inner"/> fired first.</value>
    public bool TimedOut => _race.FiredIndex == 1;

    internal override void Park(EventLoop loop, IWaiter waiter) => _race.Park(loop, waiter);

    /// <inheritdoc/>
    public override string ToString() => $"{Inner}.WithTimeout({Timeout})";
}
