namespace Scheduler;

// How a group ends and wakes its waiters (WaitAll, WaitSettled), and the wait those return.
public sealed partial class TaskGroup
{
    /// <summary>The last child has ended with the group closing, or with someone waiting: the group ends.</summary>
    private void Finish()
    {
        if (_faults is not null)
        {
            _exception = new AggregateException(
                $"{this} faulted: {_faults.Count} of its children failed; the inner exceptions are their faults, in the order they happened.",
                _faults);
            _state = TaskGroupState.Faulted;
        }
        else
        {
            _state = _canceled ? TaskGroupState.Canceled : TaskGroupState.Completed;
        }

        bool observed = false;
        while (_waiters?.TakeFirst() is { } waiter)
        {
            observed = true;
            waiter.Wake(_loop, null, Outcome(IsSettled(waiter)));
        }

        if (_state == TaskGroupState.Faulted && !observed)
        {
            if (!_ownerEnded)
            {
                _faultReportPending = true; // the owner may still wait for the group; it is reported when the owner ends
                return;
            }

            _loop.ReportUnobservedFault(null, ToString(), _exception!);
        }

        _loop.Unpark(_ownerWatch); // ended and observed: the owner's end changes nothing now, and its faults are its own again
    }

    /// <summary>What a waiter inherits from the ended group: its fault, unless the waiter is settled.</summary>
    private AggregateException? Outcome(bool settled) => _state == TaskGroupState.Faulted && !settled ? _exception : null;

    // A settled waiter is marked the way Wait.Settled marks it: a coroutine by its flag, a branch by its wait.
    private static bool IsSettled(IWaiter waiter) => waiter switch
    {
        Coroutine coroutine => (coroutine._flags & CoroutineFlags.SettledJoin) != 0,
        WaitBranch branch => branch.Condition is GroupWait { Settled: true },
        _ => false,
    };

    /// <summary>Parks a waiter of <see cref="WaitAll"/> or <see cref="WaitSettled"/>.</summary>
    private void Park(EventLoop loop, IWaiter waiter, bool settled)
    {
        if (!ReferenceEquals(loop, _loop))
        {
            throw new InvalidOperationException($"{loop.CurrentCoroutine} cannot wait for {this}: the group belongs to another event loop.");
        }

        if (loop.CurrentCoroutine is { } current && IsLiveChild(current))
        {
            throw new InvalidOperationException(
                $"{current} cannot wait for {this}: it is a child of that group, which cannot end before it does.");
        }

        if (IsEnded)
        {
            if (_state == TaskGroupState.Faulted && _faultReportPending)
            {
                _faultReportPending = false; // observed after all
                _loop.Unpark(_ownerWatch);
            }

            waiter.Wake(loop, null, Outcome(settled));
            return;
        }

        (_waiters ??= new WaiterList(this)).Add(waiter);
        if (_liveCount == 0)
        {
            Finish(); // open with no child running: it completes, and the waiter runs next round
        }
    }

    private bool IsLiveChild(Coroutine coroutine)
    {
        for (ChildWatch? watch = _first; watch is not null; watch = watch.Next)
        {
            if (ReferenceEquals(watch.Child, coroutine))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What <see cref="WaitAll"/> and <see cref="WaitSettled"/> return: one cached instance of each per group.</summary>
    private sealed class GroupWait(TaskGroup group, bool settled) : WaitCondition
    {
        public bool Settled => settled;

        internal override bool Apply(EventLoop loop, Coroutine coroutine)
        {
            if (settled)
            {
                coroutine._flags |= CoroutineFlags.SettledJoin; // as Wait.Settled does: tells Finish not to pass the fault on
            }

            return base.Apply(loop, coroutine);
        }

        internal override void Park(EventLoop loop, IWaiter waiter) => group.Park(loop, waiter, settled);

        public override string ToString() => settled ? $"{group}.WaitSettled()" : $"{group}.WaitAll()";
    }
}
