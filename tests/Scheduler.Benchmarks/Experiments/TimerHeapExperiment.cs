using Scheduler.Benchmarks.Quick;

namespace Scheduler.Benchmarks.Experiments;

/// <summary>
/// What keeping each waiter's heap index current costs: the loop's timer heap writes <c>waiter.Slot</c> for every
/// entry a sift moves (so a cancel can remove its timer in O(log n)), through the <c>IWaiter</c> interface. The same
/// (deadline, sequence) heap is timed three ways on 100,000 timers that fire and re-arm with random delays: slot
/// writes through an interface (as the loop does), slot writes to a field, and no slot writes (cancel would then
/// have to mark the entry dead and let the heap drop it when it surfaces, as System.Threading's timer queue does).
/// </summary>
internal static class TimerHeapExperiment
{
    private const int Timers = 100_000;
    private const int Operations = 2_000_000;

    public static void Run()
    {
        Console.WriteLine($"timer heap, {Timers:N0} timers, {Operations:N0} fire + re-arm operations, random delays of 1..100 ms:");
        var results = new Dictionary<string, List<double>>();
        for (int repetition = 0; repetition < 7; repetition++)
        {
            foreach (Variant variant in Enum.GetValues<Variant>())
            {
                double ns = Time(variant);
                if (repetition > 0)
                {
                    (results.TryGetValue(variant.ToString(), out List<double>? list) ? list : results[variant.ToString()] = []).Add(ns);
                }
            }
        }

        foreach ((string name, List<double> values) in results)
        {
            Console.WriteLine($"   {name,-28} {Stats.Median(values),8:F1} ns per fire + re-arm (median of {values.Count})");
        }
    }

    private enum Variant
    {
        SlotThroughInterface,
        SlotField,
        NoSlot,
    }

    private static double Time(Variant variant)
    {
        var random = new Random(11);
        var heap = new Heap(Timers, variant);
        var waiters = new Waiter[Timers];
        for (int i = 0; i < Timers; i++)
        {
            waiters[i] = new Waiter();
            heap.Add(random.Next(1, 101) * 10_000L, waiters[i]);
        }

        Workloads.SettleHeap();
        long start = ThreadClock.NowNanoseconds();
        for (int i = 0; i < Operations; i++)
        {
            (long due, Waiter waiter) = heap.RemoveMin();
            heap.Add(due + (random.Next(1, 101) * 10_000L), waiter);
        }

        long elapsed = ThreadClock.NowNanoseconds() - start;
        GC.KeepAlive(waiters);
        return (double)elapsed / Operations;
    }

    private interface ISlotted
    {
        int Slot { get; set; }
    }

    // About the size of a coroutine, so that 100,000 of them do not fit in the caches either.
    private sealed class Waiter : ISlotted
    {
#pragma warning disable CS0169, IDE0051 // padding to a coroutine's size
        private long _a, _b, _c, _d, _e, _f;
#pragma warning restore CS0169, IDE0051

        public int SlotField;

        public int Slot
        {
            get => SlotField;
            set => SlotField = value;
        }
    }

    private sealed class Heap(int capacity, Variant variant)
    {
        private readonly Entry[] _entries = new Entry[capacity];
        private long _sequence;
        private int _count;

        public void Add(long due, Waiter waiter)
        {
            int index = _count++;
            _entries[index] = new Entry(due, _sequence++, waiter);
            SiftUp(index);
        }

        public (long Due, Waiter Waiter) RemoveMin()
        {
            Entry min = _entries[0];
            int last = --_count;
            _entries[0] = _entries[last];
            _entries[last] = default;
            if (last > 0)
            {
                SiftDown(0);
            }

            return (min.Due, min.Waiter);
        }

        private void Place(int index, in Entry entry)
        {
            _entries[index] = entry;
            switch (variant)
            {
                case Variant.SlotThroughInterface:
                    ((ISlotted)entry.Waiter).Slot = index;
                    break;
                case Variant.SlotField:
                    entry.Waiter.SlotField = index;
                    break;
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

                Place(index, _entries[parent]);
                index = parent;
            }

            Place(index, entry);
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

                Place(index, _entries[child]);
                index = child;
            }

            Place(index, entry);
        }
    }

    private readonly struct Entry(long due, long sequence, Waiter waiter)
    {
        public readonly long Due = due;
        public readonly long Sequence = sequence;
        public readonly Waiter Waiter = waiter;

        public bool Precedes(in Entry other) => Due < other.Due || (Due == other.Due && Sequence < other.Sequence);
    }
}
