using System.Diagnostics;

namespace Scheduler;

// How a group follows its owner and its children. Each child is watched by an IWaiter parked on its joiners, the
// way a coroutine that joined it would be: the group observes its children's faults and gathers them. The owner is
// watched by an end-watcher, which hears of its end first and observes nothing.
public sealed partial class TaskGroup
{
    /// <summary>
    /// Watches the owner's end as an end-watcher (EventLoop.WatchEnd): woken before the owner's joiners, so its
    /// children are canceled before anyone who joined the owner resumes, and not counted as observing the
    /// owner's fault, which the loop still reports if nobody else observes it.
    /// </summary>
    private void WatchOwner() => _loop.WatchEnd(_owner, _ownerWatch);

    /// <summary>The owner ended, however: close the group and cancel the children still running.</summary>
    private void OnOwnerEnded(Coroutine owner)
    {
        _ownerEnded = true;
        if (IsEnded)
        {
            if (_faultReportPending)
            {
                _faultReportPending = false;
                _loop.ReportUnobservedFault(null, ToString(), _exception!);
            }
        }
        else if (_liveCount == 0)
        {
            Finish();
        }
        else
        {
            _canceled = true;
            _state = TaskGroupState.Closing;
            CancelChildren();
        }
    }

    /// <summary>Watches the owner's end (an end-watcher: it observes nothing).</summary>
    private sealed class OwnerWatch(TaskGroup group) : IWaiter
    {
        public ParkKind ParkKind { get; set; }

        public int Slot { get; set; }

        public object? ParkedOn { get; set; }

        public void Wake(EventLoop loop, Coroutine? joined, Exception? error) => group.OnOwnerEnded(joined!);

        public void WakeWithGrant(EventLoop loop, IPendingGrant grant) => throw new UnreachableException("A coroutine's end hands over no grant.");
    }

    /// <summary>Watches one child's end from its joiners list, and links the live children in spawn order.</summary>
    private sealed class ChildWatch(TaskGroup group, Coroutine child) : IWaiter
    {
        public Coroutine Child { get; } = child;

        public ChildWatch? Previous { get; set; }

        public ChildWatch? Next { get; set; }

        public ParkKind ParkKind { get; set; }

        public int Slot { get; set; }

        public object? ParkedOn { get; set; }

        public void Wake(EventLoop loop, Coroutine? joined, Exception? error) => group.OnChildEnded(this);

        public void WakeWithGrant(EventLoop loop, IPendingGrant grant) => throw new UnreachableException("A coroutine's end hands over no grant.");
    }
}
