namespace Scheduler;

/// <summary>One child of a <see cref="CompositeWaiter"/>, parked on the child's source in the owner's place.</summary>
internal sealed class WaitBranch(CompositeWaiter composite, int index, WaitCondition condition) : IWaiter
{
    public int Index { get; } = index;

    public CompositeWaiter Composite { get; } = composite;

    public WaitCondition Condition { get; } = condition;

    public ParkKind ParkKind { get; set; }

    public int Slot { get; set; }

    public object? ParkedOn { get; set; }

    public void Wake(EventLoop loop, Coroutine? joined, Exception? error)
    {
        ParkKind = ParkKind.None;
        ParkedOn = null;

        // A joined coroutine that did not complete passes its fault or cancellation on, unless the child was a
        // settled join, which resumes whatever the outcome.
        Coroutine? inherited = joined is { State: not CoroutineState.Completed } && Condition is not SettledWait ? joined : null;
        Composite.OnBranchFired(loop, this, inherited, error, grant: null);
    }

    public void WakeWithGrant(EventLoop loop, IPendingGrant grant)
    {
        ParkKind = ParkKind.None;
        ParkedOn = null;
        Composite.OnBranchFired(loop, this, null, null, grant);
    }
}
