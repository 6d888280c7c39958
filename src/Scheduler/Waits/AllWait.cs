namespace Scheduler;

/// <summary>Waits until every child wait has fired (see <see cref="Wait.All"/>).</summary>
internal sealed class AllWait(WaitCondition[] children) : WaitCondition
{
    public WaitCondition[] Children { get; } = children;

    internal override void Park(EventLoop loop, IWaiter waiter) =>
        CompositeWaiter.Park(loop, waiter, Children, any: null);

    public override string ToString() => $"Wait.All({string.Join(", ", (object[])Children)})";
}
