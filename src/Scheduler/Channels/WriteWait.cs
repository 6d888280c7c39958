using System.Threading.Channels;

namespace Scheduler;

/// <summary>
/// A write to a full bounded <see cref="MessageChannel{T}"/>, returned by <see cref="MessageChannel{T}.Write"/>:
/// yielded, it queues its item behind the writers already waiting and resumes the coroutine once a reader has
/// made room and the item is in. Like <see cref="ReadWait{T}"/>, it stands in the channel's waiter list for its
/// owner (a coroutine or an All/Any branch), so a cancel unlinks it in O(1) and its item is never written.
/// Yielded again after its item is in, it only ends the step: the item is written once.
/// </summary>
internal sealed class WriteWait<T>(MessageChannel<T> channel, T item) : WaitCondition, IWaiter
{
    private IWaiter? _owner;
    private bool _written;

    public T Item { get; private set; } = item;

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

    /// <summary>A reader made room and the channel took the item: wake the owner (taken from the writer list).</summary>
    internal void Accepted(EventLoop loop)
    {
        MarkWritten();
        IWaiter owner = _owner!;
        _owner = null;
        owner.Wake(loop, null, null);
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
