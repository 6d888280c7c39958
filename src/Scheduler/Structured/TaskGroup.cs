using System.Collections;

namespace Scheduler;

/// <summary>
/// A scope of child coroutines (a nursery): the coroutine that creates it owns it and can wait for every
/// child; a child's fault cancels its siblings and faults the group with every fault gathered; and when the
/// owner ends, for any reason, the children still running are canceled, so no child outlives its owner.
/// </summary>
/// <remarks>
/// <para><b>Owner.</b> The coroutine whose step runs the constructor. The group watches it: when the owner ends
/// (completed, faulted or canceled, whether or not it waited), the group closes and cancels its live children at
/// once; their disposal turns, where their <c>finally</c> blocks run innermost first, come in the next round.</para>
/// <para><b>Waiting.</b> <see cref="WaitAll"/> resumes in the round after the last child ends (the next round
/// when no child is running). It resumes normally when every child completed or the group was canceled, and
/// faults the waiter with <see cref="Exception"/> when a child faulted. <see cref="WaitSettled"/> resumes in
/// every case. Once a wait has resumed, the group has ended: a group is used once, like a Trio nursery.</para>
/// <para><b>Faults.</b> A child's fault is observed by the group, so it is not reported as unobserved on its
/// own. The first fault closes the group: the siblings still running are canceled at the start of the next
/// round (so children that fault in the same round are all gathered), and the group ends once the last child
/// has ended, with an <see cref="AggregateException"/> that holds every child's exception instance in the order
/// the children ended. The group's fault is observed by whoever waits on the group; if nobody does before the
/// owner ends, it is reported once through <see cref="EventLoop.UnobservedFault"/>.</para>
/// <para><b>Threading.</b> <see cref="Cancel"/> is safe from any thread; the constructor and
/// <see cref="Spawn(IEnumerator, string?)"/> belong to the loop's thread. The other members read state the
/// loop thread writes; from another thread they may be stale.</para>
/// </remarks>
/// <example>
/// <code>
/// IEnumerator Crawl(EventLoop loop, string[] urls)
/// {
///     var group = new TaskGroup(loop, "fetchers");   // owned by the coroutine running Crawl
///     foreach (string url in urls)
///     {
///         group.Spawn(Fetch(url), url);
///     }
///
///     yield return group.WaitAll();                 // every fetch done; faults if one failed (the others are canceled)
/// }
/// </code>
/// </example>
public sealed partial class TaskGroup
{
    private readonly EventLoop _loop;
    private readonly Coroutine _owner;
    private readonly string _ownerText; // the owner's description, kept: once it ends it no longer names its routine
    private readonly OwnerWatch _ownerWatch;

    // Live children in spawn order, linked through their watches: cancellation walks them in that order, and a
    // child's end unlinks it in O(1). Ended children are not kept, so a long-lived group holds only live ones.
    private ChildWatch? _first;
    private ChildWatch? _last;
    private int _liveCount;

    private List<Exception>? _faults;   // in the order the children ended faulted
    private WaiterList? _waiters;       // WaitAll and WaitSettled, in the order they began
    private AggregateException? _exception;
    private TaskGroupState _state;
    private bool _canceled;
    private bool _ownerEnded;

    // Ended faulted with nobody waiting, while the owner lives: the owner may still wait and observe it, so the
    // report waits for the owner's end.
    private bool _faultReportPending;
    private int _cancelClaimed;
    private GroupWait? _waitAll;
    private GroupWait? _waitSettled;
    private Action? _cancelChildren;

    /// <summary>Creates a task group owned by the coroutine whose step is running.</summary>
    /// <remarks>
    /// Call it from inside a routine: that coroutine becomes the owner, and the group ends with it at the
    /// latest. Children are added with <see cref="Spawn(IEnumerator, string?)"/>.
    /// </remarks>
    /// <param name="loop">The loop the owner runs on; the children run on it too.</param>
    /// <param name="name">A name for messages and logs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No coroutine's step is running on <paramref name="loop"/> (a group needs an owner), or the calling thread does not own the loop.</exception>
    public TaskGroup(EventLoop loop, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _owner = loop.Current ?? throw new InvalidOperationException(
            "A TaskGroup is created inside a coroutine's step: that coroutine owns the group, and no child outlives it. " +
            "No step is running on this loop now; create the group in the routine that will wait for its children.");
        _loop = loop;
        Name = name;
        _ownerText = _owner.ToString();
        _ownerWatch = new OwnerWatch(this);
        WatchOwner();
    }

    /// <summary>Gets the loop the group's coroutines run on.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the name given at creation, or null.</summary>
    public string? Name { get; }

    /// <summary>Gets the coroutine that created the group; the group ends with it at the latest.</summary>
    public Coroutine Owner => _owner;

    /// <summary>Gets where the group is in its life.</summary>
    public TaskGroupState State => _state;

    /// <summary>Gets whether the group has ended: completed, faulted or canceled.</summary>
    public bool IsEnded => _state >= TaskGroupState.Completed;

    /// <summary>Gets how many children have been spawned and have not ended.</summary>
    public int LiveCount => _liveCount;

    /// <summary>Gets the faults of the children, gathered in the order they happened, once the group has ended faulted; otherwise null.</summary>
    /// <remarks>The inner exceptions are the children's exception instances, unwrapped, one per faulted child.</remarks>
    public AggregateException? Exception => _state == TaskGroupState.Faulted ? _exception : null;

    /// <summary>Starts <paramref name="routine"/> as a child of the group.</summary>
    /// <remarks>
    /// The child is an ordinary coroutine of the loop, queued like any spawn from the loop thread (spawned during
    /// a step, it runs in the next round); it can be joined and canceled on its own, and its fault is gathered by
    /// the group. Spawned while the group is
    /// <see cref="TaskGroupState.Closing"/> (a sibling faulted, or the group was canceled), the child starts
    /// canceled: its body never runs and it does not count as a fault.
    /// </remarks>
    /// <param name="routine">The routine to run.</param>
    /// <param name="name">A name for the child.</param>
    /// <returns>The child's handle.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The group has ended or its owner has ended (the group is closed); the routine is already running; or the calling thread does not own the loop.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public Coroutine Spawn(IEnumerator routine, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(routine);
        ThrowIfClosed(routine);
        return Adopt(_loop.Spawn(routine, name));
    }

    /// <summary>Starts <paramref name="routine"/> as a child of the group that ends with a <typeparamref name="T"/>.</summary>
    /// <remarks>Like <see cref="Spawn(IEnumerator, string?)"/>; the routine ends with <c>yield return Routine.Return(value)</c>.</remarks>
    /// <typeparam name="T">The type of the value the routine returns.</typeparam>
    /// <param name="routine">The routine to run.</param>
    /// <param name="name">A name for the child.</param>
    /// <returns>The child's typed handle.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The group has ended or its owner has ended (the group is closed); the routine is already running; or the calling thread does not own the loop.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public Coroutine<T> Spawn<T>(IEnumerator routine, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(routine);
        ThrowIfClosed(routine);
        return (Coroutine<T>)Adopt(_loop.Spawn<T>(routine, name));
    }

    /// <summary>Gets the wait that resumes once every child has ended, and faults the waiter if a child faulted.</summary>
    /// <remarks>
    /// Yielded in round r, the waiter resumes in the round after the last child ends, or in round r + 1 when no
    /// child is running; the group has then ended. It resumes normally when the group completed or was canceled,
    /// and ends the waiter faulted with <see cref="Exception"/> (the same instance) when a child faulted, which
    /// counts as observing the group's fault. Children spawned while the wait is pending (by a child, say) are
    /// waited for too. Any coroutine of the loop may wait, except a child of the group (it would wait for
    /// itself); several waiters resume in the order they began. The wait composes with
    /// <see cref="Wait.Any"/>, <see cref="Wait.All"/> and <see cref="WaitConditionExtensions.WithTimeout"/>.
    /// </remarks>
    /// <returns>The group's cached wait.</returns>
    public WaitCondition WaitAll() => _waitAll ??= new GroupWait(this, settled: false);

    /// <summary>Gets the wait that resumes once every child has ended, whatever the outcome.</summary>
    /// <remarks>
    /// Like <see cref="WaitAll"/>, but a fault is not inherited: the waiter resumes and reads
    /// <see cref="State"/> and <see cref="Exception"/>. It counts as observing the group's fault.
    /// </remarks>
    /// <returns>The group's cached settled wait.</returns>
    public WaitCondition WaitSettled() => _waitSettled ??= new GroupWait(this, settled: true);

    /// <summary>Cancels every child still running and closes the group.</summary>
    /// <remarks>
    /// The children are canceled as by <see cref="Coroutine.Cancel"/> (their disposal turns come in a later round);
    /// the group ends <see cref="TaskGroupState.Canceled"/> once the last has ended (or at once when none is
    /// running), unless a child faulted, in which case it ends <see cref="TaskGroupState.Faulted"/>. Waiters on
    /// <see cref="WaitAll"/> then resume normally: canceling a group does not cancel its owner. Safe from any
    /// thread: from another thread the cancellation is posted to the loop and applied at the start of the next
    /// round.
    /// </remarks>
    /// <returns>True the first time it is called on a group that has not ended; false otherwise.</returns>
    public bool Cancel()
    {
        if (IsEnded || Interlocked.CompareExchange(ref _cancelClaimed, 1, 0) != 0)
        {
            return false;
        }

        if (_loop.IsLoopThread)
        {
            ApplyCancel();
        }
        else
        {
            try
            {
                _loop.Post(ApplyCancel);
            }
            catch (ObjectDisposedException)
            {
                // The loop is gone, and every coroutine (the children too) was disposed with it.
            }
        }

        return true;
    }

    /// <summary>Describes the group for messages and logs.</summary>
    /// <returns>For example <c>task group 'fetchers' of coroutine 'crawler' (#1)</c>.</returns>
    public override string ToString() => Name is null ? $"task group of {_ownerText}" : $"task group '{Name}' of {_ownerText}";

    private void ThrowIfClosed(IEnumerator routine)
    {
        if (!_loop.IsLoopThread)
        {
            throw new InvalidOperationException(
                $"{this} belongs to its event loop's thread, but Spawn was called from thread {Environment.CurrentManagedThreadId}. " +
                "Spawn children from a coroutine of the loop, or Post the call to the loop.");
        }

        string? why = IsEnded
            ? _state switch
            {
                TaskGroupState.Completed => "it completed: its children ended and its wait resumed",
                TaskGroupState.Faulted => "it faulted: a child failed and its wait resumed",
                _ => "it was canceled and its children ended",
            }
            : _ownerEnded ? $"its owner has ended ({_owner.State})" : null;
        if (why is not null)
        {
            throw new InvalidOperationException(
                $"Cannot spawn {EventLoop.DescribeRoutine(routine)} into {this}: the group is closed, {why}. " +
                "A task group is used once; create a new TaskGroup for more work.");
        }
    }

    private Coroutine Adopt(Coroutine child)
    {
        var watch = new ChildWatch(this, child);
        if (_last is null)
        {
            _first = watch;
        }
        else
        {
            _last.Next = watch;
            watch.Previous = _last;
        }

        _last = watch;
        _liveCount++;
        child.LoopExtras.Group = this; // the child's parent in task dumps is this group's owner
        child.Park(_loop, watch);
        if (_state == TaskGroupState.Closing)
        {
            child.Cancel();
        }

        return child;
    }

    private void ApplyCancel()
    {
        if (IsEnded)
        {
            return;
        }

        _canceled = true;
        _state = TaskGroupState.Closing;
        CancelChildren();
        if (_liveCount == 0)
        {
            Finish();
        }
    }

    // Cancel never ends a coroutine on the spot (it marks it and queues its disposal), so the list does not
    // change while it is walked.
    private void CancelChildren()
    {
        for (ChildWatch? watch = _first; watch is not null; watch = watch.Next)
        {
            watch.Child.Cancel();
        }
    }

    /// <summary>A child ended (its watch was woken by the child's end, before anyone who joined it later).</summary>
    private void OnChildEnded(ChildWatch watch)
    {
        if (watch.Previous is null)
        {
            _first = watch.Next;
        }
        else
        {
            watch.Previous.Next = watch.Next;
        }

        if (watch.Next is null)
        {
            _last = watch.Previous;
        }
        else
        {
            watch.Next.Previous = watch.Previous;
        }

        watch.Previous = watch.Next = null;
        _liveCount--;

        if (watch.Child.State == CoroutineState.Faulted)
        {
            (_faults ??= []).Add(watch.Child.Exception!);
            if (_state == TaskGroupState.Open)
            {
                _state = TaskGroupState.Closing;
                if (_liveCount > 0)
                {
                    CancelChildrenNextRound();
                }
            }
        }

        if (_liveCount == 0 && (_state == TaskGroupState.Closing || _waiters is { Count: > 0 }))
        {
            Finish();
        }
    }

    /// <summary>
    /// Cancels the siblings of a faulted child at the start of the next round rather than now: a sibling later
    /// in this round's queue still runs its step, so children that fault in the same round are all gathered,
    /// and every sibling's disposal comes in the same round whatever its place in the queue.
    /// </summary>
    private void CancelChildrenNextRound()
    {
        try
        {
            _loop.Post(_cancelChildren ??= () =>
            {
                if (!IsEnded)
                {
                    CancelChildren();
                }
            });
        }
        catch (ObjectDisposedException)
        {
            // Only while the loop is being disposed, which disposes every child anyway.
        }
    }
}
