using System.Threading.Channels;

namespace Scheduler;

/// <summary>
/// A write to a full bounded <see cref="MessageChannel{T}"/>, returned by <see cref="MessageChannel{T}.Write"/>:
/// yielded, it queues its item behind the writers already waiting and resumes the coroutine once a reader has
/// made room and the item is in. Like <see cref="ReadWait{T}"/>, it stands in the channel's waiter list for its
/// owner (a coroutine or an All/Any branch), so a cancel unlinks it in O(1) and its item is never written.
/// </summary>
/// <remarks>
/// Reused, so that a producer held back by a full channel allocates nothing per item: once its item is in, the
/// wait wakes its owner with itself as a grant (<see cref="IPendingGrant"/>), and when the owner's next turn
/// begins (or the owner ends first) the item is long written and nobody is waiting through it any more, so it
/// goes back to the channel's pool. The rule that comes with reuse is the one of <c>ValueTask</c>: yield a write
/// wait once. Yielding it again while it is pooled throws.
/// </remarks>
internal sealed class WriteWait<T>(MessageChannel<T> channel) : WaitCondition, IWaiter, IPendingGrant
{
    private IWaiter? _owner;
    private bool _written;
    private bool _pooled;

    public T Item { get; private set; } = default!;

    /// <summary>Takes the wait out of the pool for a new write of <paramref name="item"/>.</summary>
    internal WriteWait<T> Rent(T item)
    {
        Item = item;
        _written = false;
        _pooled = false;
        return this;
    }

    ParkKind IWaiter.ParkKind
    {
        get => _owner!.ParkKind;
        set => _owner!.ParkKind = value;
    }

    int IWaiter.Slot
    {
        get => _owner!.Slot;
        set => _owner!.Slot = value;
    }

    object? IWaiter.ParkedOn
    {
        get => _owner!.ParkedOn;
        set => _owner!.ParkedOn = value;
    }

    public override string ToString() => $"{channel}.Write({(_written ? "written" : Item)})";

    internal override void Park(EventLoop loop, IWaiter waiter)
    {
        channel.CheckLoop(loop, "write to");
        if (_pooled)
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine} yielded a write wait of {channel} a second time after its item was written. " +
                "Yield each Write(item) once; call Write again for the next item.");
        }

        if (_written)
        {
            waiter.Wake(loop, null, null);
            return;
        }

        if (_owner is { ParkKind: ParkKind.List } owner && ReferenceEquals(owner.ParkedOn, channel.WriterList))
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine} yielded {this} while another wait is still waiting on it; yield each write once.");
        }

        _owner = null;
        channel.ParkWriter(this, waiter);
    }

    internal void Enqueue(IWaiter owner, WaiterList writers)
    {
        _owner = owner;
        writers.Add(this);
    }

    /// <summary>The item went in when the wait was yielded.</summary>
    internal void MarkWritten()
    {
        _written = true;
        Item = default!;
    }

    /// <summary>
    /// A reader made room and the channel took the item: wake the owner (taken from the writer list), handing it
    /// this wait as a grant so the wait returns to the pool at the owner's next turn.
    /// </summary>
    internal void Accepted(EventLoop loop)
    {
        MarkWritten();
        IWaiter owner = _owner!;
        _owner = null;
        owner.WakeWithGrant(loop, this);
    }

    // The owner's next turn began, or it ended first: either way the item was written before the wake, so there
    // is nothing to pass on; the wait is free for the channel's next full write.
    void IPendingGrant.Accept(Coroutine coroutine) => ReturnToPool();

    void IPendingGrant.Decline(EventLoop loop, Coroutine coroutine) => ReturnToPool();

    private void ReturnToPool()
    {
        _pooled = true;
        channel.ReturnWriteWait(this);
    }

    /// <summary>The channel was completed while the owner waited: it faults with <paramref name="error"/>.</summary>
    internal void Fail(EventLoop loop, ChannelClosedException error)
    {
        IWaiter owner = _owner!;
        _owner = null;
        owner.Wake(loop, null, error);
    }

    void IWaiter.Wake(EventLoop loop, Coroutine? joined, Exception? error) => _owner!.Wake(loop, joined, error);

    void IWaiter.WakeWithGrant(EventLoop loop, IPendingGrant grant) => _owner!.WakeWithGrant(loop, grant);
}
