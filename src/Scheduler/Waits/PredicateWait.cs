namespace Scheduler;

/// <summary>
/// Waits until a predicate returns <see cref="Expected"/> (<c>Wait.Until</c>: true, <c>Wait.While</c>: false).
/// The only kind of wait the loop polls: once per round, in phase (b), in the order the waits began.
/// </summary>
internal sealed class PredicateWait(Func<bool> predicate, bool expected) : WaitCondition
{
    public Func<bool> Predicate { get; } = predicate;

    public bool Expected { get; } = expected;

    public bool IsSatisfied() => Predicate() == Expected;

    internal override void Park(EventLoop loop, IWaiter waiter) => loop.ParkPredicate(this, waiter);

    public override string ToString() => Expected ? "Wait.Until(predicate)" : "Wait.While(predicate)";
}
