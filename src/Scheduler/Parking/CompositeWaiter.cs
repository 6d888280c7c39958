namespace Scheduler;

/// <summary>
/// One use of <c>Wait.All</c> or <c>Wait.Any</c>: a branch per child, each parked on that child's source like a
/// coroutine would be. The first branch to decide the outcome (any branch for Any, the last for All, or a fault
/// or cancellation inherited from a joined coroutine) unparks every other branch and wakes the owner. Nested
/// composites are owned by a branch of their parent. Allocated per yield: composites are not on the hot path.
/// </summary>
internal sealed class CompositeWaiter
{
    private readonly IWaiter _owner;
    private readonly AnyWait? _any;
    private readonly WaitBranch[] _branches;
    private int _remaining;
    private bool _done;
    private CompositeGrant? _grants;

    private CompositeWaiter(IWaiter owner, AnyWait? any, int count)
    {
        _owner = owner;
        _any = any;
        _branches = new WaitBranch[count];
        _remaining = count;
    }

    /// <summary>The <c>Wait.Any</c> this composite serves, or null for a <c>Wait.All</c> (for diagnostics).</summary>
    public AnyWait? Any => _any;

    /// <summary>The branches, one per child in the order given; an entry is null when the outcome was decided before that child registered.</summary>
    public ReadOnlySpan<WaitBranch?> Branches => _branches;

    public static void Park(EventLoop loop, IWaiter owner, WaitCondition[] children, AnyWait? any)
    {
        if (children.Length == 0)
        {
            owner.Wake(loop, null, null); // All of nothing holds at once (Any of nothing is refused at creation).
            return;
        }

        var composite = new CompositeWaiter(owner, any, children.Length);
        owner.ParkKind = ParkKind.Composite;
        owner.ParkedOn = composite;
        for (int i = 0; i < children.Length && !composite._done; i++)
        {
            var branch = new WaitBranch(composite, i, children[i]);
            composite._branches[i] = branch;
            children[i].Park(loop, branch);
        }
    }

    /// <summary>
    /// A branch fired. <paramref name="inherited"/> is a joined coroutine whose fault or cancellation the owner
    /// takes on; <paramref name="grant"/> is what the branch's source handed over (kept until the outcome is
    /// decided, then passed to the owner, or declined if the owner is canceled first).
    /// </summary>
    public void OnBranchFired(EventLoop loop, WaitBranch branch, Coroutine? inherited, Exception? error, IPendingGrant? grant)
    {
        if (_done)
        {
            return;
        }

        if (grant is not null)
        {
            (_grants ??= new CompositeGrant()).Add(grant);
        }

        bool decided = _any is not null || inherited is not null || error is not null || --_remaining == 0;
        if (!decided)
        {
            return;
        }

        _done = true;
        _any?.RecordFired(branch.Index);
        UnparkBranches(loop);
        _owner.ParkKind = ParkKind.None;
        _owner.ParkedOn = null;
        if (_grants is not null && inherited is null && error is null)
        {
            _owner.WakeWithGrant(loop, _grants);
            return;
        }

        DeclineGrants(loop);
        _owner.Wake(loop, inherited, error);
    }

    /// <summary>The owner was canceled: remove every branch's registration and pass on what branches were granted.</summary>
    public void Abandon(EventLoop loop)
    {
        _done = true;
        UnparkBranches(loop);
        DeclineGrants(loop);
    }

    private void DeclineGrants(EventLoop loop)
    {
        CompositeGrant? grants = _grants;
        _grants = null;
        grants?.Decline(loop, RootCoroutine);
    }

    /// <summary>The coroutine at the top of the chain of owners.</summary>
    private Coroutine RootCoroutine => _owner is WaitBranch branch ? branch.Composite.RootCoroutine : (Coroutine)_owner;

    private void UnparkBranches(EventLoop loop)
    {
        foreach (WaitBranch? branch in _branches)
        {
            if (branch is not null && branch.ParkKind != ParkKind.None)
            {
                loop.Unpark(branch);
            }
        }
    }
}
