namespace Scheduler;

/// <summary>
/// The predicate waits (<c>Wait.Until</c>, <c>Wait.While</c>) in the order they started waiting. They are the
/// only waits the loop polls: once per round, in phase (b). Polling compacts the list in the same pass, so a
/// canceled or satisfied waiter's hole is gone by the end of the next round.
/// </summary>
internal sealed class PredicateList
{
    private Entry[] _entries = new Entry[8];
    private int _count;
    private int _live;

    /// <summary>Predicate waiters currently parked.</summary>
    public int Count => _live;

    /// <summary>The wait parked at <paramref name="slot"/> (a waiter's <see cref="IWaiter.Slot"/>), for diagnostics.</summary>
    public PredicateWait WaitAt(int slot) => _entries[slot].Wait;

    public void Add(PredicateWait wait, IWaiter waiter)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count] = new Entry(wait, waiter);
        waiter.Slot = _count++;
        waiter.ParkKind = ParkKind.Predicate;
        _live++;
    }

    public void RemoveAt(int slot)
    {
        if (_entries[slot].Waiter is { } waiter)
        {
            waiter.ParkKind = ParkKind.None;
            _entries[slot] = default;
            _live--;
        }
    }

    /// <summary>
    /// Evaluates every predicate once, in order, and wakes the waiters whose condition holds; a predicate that
    /// throws wakes its waiter with that exception (the waiting coroutine faults).
    /// </summary>
    public void Poll(EventLoop loop)
    {
        int end = _count;
        int write = 0;
        for (int read = 0; read < end; read++)
        {
            Entry entry = _entries[read];
            if (entry.Waiter is null)
            {
                continue;
            }

            bool satisfied;
            Exception? error = null;
            try
            {
                satisfied = entry.Wait.IsSatisfied();
            }
            catch (Exception ex)
            {
                satisfied = true;
                error = ex;
            }

            // The predicate is user code: it may have canceled this very waiter.
            if (_entries[read].Waiter is null)
            {
                continue;
            }

            if (satisfied)
            {
                RemoveAt(read);
                entry.Waiter.Wake(loop, null, error);
            }
            else
            {
                Move(read, write++);
            }
        }

        // Entries added while polling (none today: predicates cannot park anyone) keep their order.
        for (int read = end; read < _count; read++)
        {
            if (_entries[read].Waiter is not null)
            {
                Move(read, write++);
            }
        }

        Array.Clear(_entries, write, _count - write);
        _count = write;
    }

    private void Move(int from, int to)
    {
        if (from != to)
        {
            _entries[to] = _entries[from];
            _entries[from] = default;
            _entries[to].Waiter!.Slot = to;
        }
    }

    private readonly struct Entry(PredicateWait wait, IWaiter waiter)
    {
        public readonly PredicateWait Wait = wait;
        public readonly IWaiter? Waiter = waiter;
    }
}
