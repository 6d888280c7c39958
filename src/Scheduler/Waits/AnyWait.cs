namespace Scheduler;

/// <summary>
/// Waits until the first of several waits fires, and records which one did. Created by <see cref="Wait.Any"/>.
/// </summary>
/// <remarks>
/// When the first child fires, every other child's registration is removed at once (no timer or joiner is
/// left behind). <see cref="FiredIndex"/> and <see cref="Fired"/> describe the most recent completion of this
/// instance, so give each coroutine its own <see cref="AnyWait"/> when several wait at the same time.
/// </remarks>
/// <example>
/// <code>
/// var first = Wait.Any(worker, Wait.For(TimeSpan.FromSeconds(5)));
/// yield return first;
/// if (first.FiredIndex == 1) { worker.Cancel(); }   // timed out
/// </code>
/// </example>
public sealed class AnyWait : WaitCondition
{
    private readonly WaitCondition[] _children;

    internal AnyWait(WaitCondition[] children) => _children = children;

    /// <summary>Gets the child waits, in the order given.</summary>
    public IReadOnlyList<WaitCondition> Children => _children;

    /// <summary>Gets the index of the child that fired last time this wait completed, or -1 before that.</summary>
    public int FiredIndex { get; private set; } = -1;

    /// <summary>Gets the child that fired last time this wait completed, or null before that.</summary>
    public WaitCondition? Fired => FiredIndex < 0 ? null : _children[FiredIndex];

    internal void RecordFired(int index) => FiredIndex = index;

    internal override void Park(EventLoop loop, IWaiter waiter) =>
        CompositeWaiter.Park(loop, waiter, _children, any: this);

    /// <inheritdoc/>
    public override string ToString() => $"Wait.Any({string.Join(", ", (object[])_children)})";
}
