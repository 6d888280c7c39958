namespace Scheduler;

/// <summary>
/// A FIFO of parked waiters with O(1) removal from any position: the joiners of a coroutine (and, later, the
/// waiters of signals, semaphores and channels). Removal leaves a hole that the next wake skips; when holes
/// outnumber live entries the list compacts, so waiters that come and go (a join raced by a timeout in a loop)
/// never make it grow without bound.
/// </summary>
internal sealed class WaiterList
{
    private WaiterSlot[] _items = new WaiterSlot[4];
    private int _head;
    private int _tail;
    private int _live;

    /// <summary>Creates a list; <paramref name="owner"/> is the primitive whose waiters it holds, named in task dumps.</summary>
    public WaiterList(object? owner = null) => Owner = owner;

    /// <summary>
    /// The signal, semaphore, lock, channel or task group whose waiters this list holds, for diagnostics
    /// (<c>EventLoop.DescribeWait</c>); null for the pooled joiner lists of coroutines.
    /// </summary>
    public object? Owner { get; }

    public int Count => _live;

    public int Capacity => _items.Length;

    /// <summary>Appends <paramref name="waiter"/> and records this list as where it is parked.</summary>
    public void Add(IWaiter waiter)
    {
        if (_tail == _items.Length)
        {
            MakeRoom();
        }

        _items[_tail].Waiter = waiter;
        waiter.Slot = _tail++;
        waiter.ParkKind = ParkKind.List;
        waiter.ParkedOn = this;
        _live++;
    }

    /// <summary>Removes the waiter at <paramref name="slot"/> (its <see cref="IWaiter.Slot"/>).</summary>
    public void RemoveAt(int slot)
    {
        IWaiter? waiter = _items[slot].Waiter;
        if (waiter is null)
        {
            return;
        }

        _items[slot].Waiter = null;
        Unlink(waiter);
        _live--;
        if (slot == _head)
        {
            SkipHoles();
        }
    }

    /// <summary>Removes and returns the oldest waiter, or null when the list is empty.</summary>
    public IWaiter? TakeFirst()
    {
        SkipHoles();
        if (_head == _tail)
        {
            return null;
        }

        IWaiter waiter = _items[_head].Waiter!;
        _items[_head++].Waiter = null;
        Unlink(waiter);
        _live--;
        SkipHoles();
        return waiter;
    }

    private static void Unlink(IWaiter waiter)
    {
        waiter.ParkKind = ParkKind.None;
        waiter.ParkedOn = null;
    }

    private void SkipHoles()
    {
        while (_head < _tail && _items[_head].Waiter is null)
        {
            _head++;
        }

        if (_head == _tail)
        {
            _head = _tail = 0;
        }
    }

    private void MakeRoom()
    {
        // Compact in place when at least half the array is holes or consumed head; grow otherwise.
        WaiterSlot[] target = _live * 2 <= _items.Length ? _items : new WaiterSlot[_items.Length * 2];
        int write = 0;
        for (int read = _head; read < _tail; read++)
        {
            IWaiter? waiter = _items[read].Waiter;
            if (waiter is not null)
            {
                target[write].Waiter = waiter;
                waiter.Slot = write++;
            }
        }

        Array.Clear(target, write, target.Length - write);
        _items = target;
        _head = 0;
        _tail = write;
    }

    // A struct wrapper: storing into an array of an interface type would pay a covariance check per store.
    private struct WaiterSlot
    {
        public IWaiter? Waiter;
    }
}
