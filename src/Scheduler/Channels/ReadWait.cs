namespace Scheduler;

/// <summary>
/// A wait that reads one item from a <see cref="MessageChannel{T}"/> (or a <see cref="Mailbox{T}"/>) each time a
/// coroutine yields it, and holds that item for the coroutine when it resumes. Created by
/// <see cref="MessageChannel{T}.Read"/> and <see cref="Mailbox{T}.Receive"/>.
/// </summary>
/// <typeparam name="T">The type of the items.</typeparam>
/// <remarks>
/// <para>Yielded when an item is buffered, the wait takes it at once; otherwise the coroutine waits, behind
/// readers that started waiting earlier, until an item is written. Either way the item is the coroutine's from
/// that moment (no <c>TryRead</c> can take it), and the coroutine resumes in the next round with
/// <see cref="HasValue"/> true and the item in <see cref="Value"/>. If the coroutine is canceled (or faulted by a
/// join) before it runs again, the item goes to the next waiting reader, or back to the front of the channel.</para>
/// <para>Once the channel is completed and every item has been taken, the wait resumes with <see cref="HasValue"/>
/// false; if the channel was completed with an exception, the coroutine faults with that exception instead.</para>
/// <para>Keep one read wait per coroutine and yield it for every item: the channel then allocates nothing per
/// item. One coroutine at a time may wait on a given read wait; <see cref="Value"/> keeps the last item read
/// until the wait is yielded again. Inside <see cref="Wait.Any"/> (for a timeout), a read that loses is removed
/// from the channel and reads nothing.</para>
/// </remarks>
public sealed class ReadWait<T> : WaitCondition, IWaiter, IPendingGrant
{
    private readonly MessageChannel<T> _channel;

    // Who waits through this read: the coroutine that yielded it, or an All/Any branch. The read stands in the
    // channel's waiter list for its owner (IWaiter below forwards the parking bookkeeping to the owner), so the
    // channel knows where to put the item, and a cancel of the owner unlinks the read in O(1).
    private IWaiter? _owner;
    private bool _granted;
    private T _pending = default!; // the item handed to the owner, until its next turn takes it
    private T _value = default!;
    private bool _hasValue;

    internal ReadWait(MessageChannel<T> channel) => _channel = channel;

    /// <summary>Gets whether the last yield of this wait received an item.</summary>
    /// <remarks>False before the first yield, while the coroutine waits, and when the channel was completed and drained.</remarks>
    public bool HasValue => _hasValue;

    /// <summary>Gets the item the last yield of this wait received.</summary>
    /// <exception cref="InvalidOperationException">No item was received (<see cref="HasValue"/> is false).</exception>
    public T Value => _hasValue
        ? _value
        : throw new InvalidOperationException(
            $"{this} holds no item: it has not resumed yet, or the channel was completed and drained. Check HasValue first.");

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

    /// <summary>Whether an owner is waiting through this read, or holds an item it has not taken yet.</summary>
    private bool InUse => _granted
        || (_owner is { ParkKind: ParkKind.List } owner && ReferenceEquals(owner.ParkedOn, _channel.ReaderList));

    /// <inheritdoc/>
    public override string ToString() => $"{_channel}.Read()";

    internal override void Park(EventLoop loop, IWaiter waiter)
    {
        _channel.CheckLoop(loop, "read from");
        if (InUse)
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine} yielded {this} while it is still in use by another wait; " +
                "create one read wait per coroutine with Read().");
        }

        _hasValue = false;
        _value = default!;
        _owner = null;
        _channel.ParkReader(this, waiter);
    }

    /// <summary>Parks <paramref name="owner"/> in <paramref name="readers"/>, with this read standing in for it.</summary>
    internal void Enqueue(IWaiter owner, WaiterList readers)
    {
        _owner = owner;
        readers.Add(this);
    }

    /// <summary>Hands <paramref name="item"/> to <paramref name="owner"/>, which was not parked.</summary>
    internal void Grant(EventLoop loop, IWaiter owner, T item)
    {
        _owner = owner;
        Grant(loop, item);
    }

    /// <summary>Hands <paramref name="item"/> to the owner (just taken from the channel's waiter list); it takes it at its next turn.</summary>
    internal void Grant(EventLoop loop, T item)
    {
        _pending = item;
        _granted = true;
        _owner!.WakeWithGrant(loop, this);
    }

    /// <summary>The channel is completed and drained: wake the owner with no item, or with the completion error.</summary>
    internal void Finish(EventLoop loop, Exception? error)
    {
        IWaiter owner = _owner!;
        _owner = null;
        owner.Wake(loop, null, error);
    }

    void IPendingGrant.Accept(Coroutine coroutine)
    {
        _value = _pending;
        _hasValue = true;
        _pending = default!;
        _granted = false;
        _owner = null;
        _channel.OnItemTaken();
    }

    void IPendingGrant.Decline(EventLoop loop, Coroutine coroutine)
    {
        T item = _pending;
        _pending = default!;
        _granted = false;
        _owner = null;
        _channel.OnItemReturned(item);
    }

    // The channel takes this read out of its list and then calls Grant or Finish; these keep the IWaiter
    // contract for any other caller by passing the wake to the owner.
    void IWaiter.Wake(EventLoop loop, Coroutine? joined, Exception? error) => _owner!.Wake(loop, joined, error);

    void IWaiter.WakeWithGrant(EventLoop loop, IPendingGrant grant) => _owner!.WakeWithGrant(loop, grant);
}
