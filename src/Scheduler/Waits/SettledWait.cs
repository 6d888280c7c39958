namespace Scheduler;

/// <summary>
/// Joins a coroutine without inheriting its outcome: the waiter resumes whether the coroutine completed,
/// faulted or was canceled, and inspects <see cref="Coroutine.State"/> itself. Having a settled joiner when it
/// faults counts as observing the fault. One cached instance per coroutine (see <see cref="Wait.Settled"/>).
/// </summary>
internal sealed class SettledWait(Coroutine target) : WaitCondition
{
    public Coroutine Target { get; } = target;

    internal override bool Apply(EventLoop loop, Coroutine coroutine)
    {
        coroutine._flags |= CoroutineFlags.SettledJoin;
        return base.Apply(loop, coroutine);
    }

    internal override void Park(EventLoop loop, IWaiter waiter) => Target.Park(loop, waiter);

    public override string ToString() => $"Wait.Settled({Target})";
}
