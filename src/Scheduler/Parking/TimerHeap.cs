namespace Scheduler;

/// <summary>
/// A binary min-heap of waiters ordered by (due, sequence). The sequence number is taken from one counter per
/// loop when an entry is added, so entries with equal due values leave the heap in the order they were added:
/// a plain <see cref="PriorityQueue{TElement, TPriority}"/> is not stable, which is a known scheduler bug.
/// The heap keeps each waiter's <see cref="IWaiter.Slot"/> equal to its index, so a canceled waiter is removed
/// at once in O(log n) instead of lingering until its due time.
/// </summary>
/// <remarks>The loop keeps two: one for deadlines in clock ticks, one for round numbers.</remarks>
internal sealed class TimerHeap
{
    private Entry[] _entries = new Entry[16];
    private int _count;

    public int Count => _count;

    /// <summary>The smallest due value; only valid when <see cref="Count"/> &gt; 0.</summary>
    public long MinDue => _entries[0].Due;

    /// <summary>The due value of the entry at <paramref name="slot"/> (a waiter's <see cref="IWaiter.Slot"/>), for diagnostics.</summary>
    public long DueAt(int slot) => _entries[slot].Due;

    public void Add(long due, long sequence, IWaiter waiter)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        int index = _count++;
        _entries[index] = new Entry(due, sequence, waiter);
        waiter.Slot = index;
        SiftUp(index);
    }

    /// <summary>Removes and returns the entry with the smallest (due, sequence).</summary>
    public IWaiter RemoveMin()
    {
        IWaiter min = _entries[0].Waiter;
        RemoveAt(0);
        return min;
    }

    public void RemoveAt(int index)
    {
        int last = --_count;
        if (index != last)
        {
            _entries[index] = _entries[last];
            _entries[index].Waiter.Slot = index;
            _entries[last] = default;
            // The moved entry may belong above or below its new place. If it rises, what lands at index is its
            // old ancestor, already no greater than anything below, so the sift down does nothing.
            SiftUp(index);
            SiftDown(index);
        }
        else
        {
            _entries[last] = default;
        }
    }

    private void SiftUp(int index)
    {
        Entry entry = _entries[index];
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (!entry.Precedes(in _entries[parent]))
            {
                break;
            }

            _entries[index] = _entries[parent];
            _entries[index].Waiter.Slot = index;
            index = parent;
        }

        _entries[index] = entry;
        entry.Waiter.Slot = index;
    }

    private void SiftDown(int index)
    {
        Entry entry = _entries[index];
        while (true)
        {
            int child = (index << 1) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _entries[child + 1].Precedes(in _entries[child]))
            {
                child++;
            }

            if (!_entries[child].Precedes(in entry))
            {
                break;
            }

            _entries[index] = _entries[child];
            _entries[index].Waiter.Slot = index;
            index = child;
        }

        _entries[index] = entry;
        entry.Waiter.Slot = index;
    }

    private readonly struct Entry(long due, long sequence, IWaiter waiter)
    {
        public readonly long Due = due;
        public readonly long Sequence = sequence;
        public readonly IWaiter Waiter = waiter;

        public bool Precedes(in Entry other) =>
            Due < other.Due || (Due == other.Due && Sequence < other.Sequence);
    }
}
