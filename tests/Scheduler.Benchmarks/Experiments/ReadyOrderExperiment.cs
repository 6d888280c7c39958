using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Scheduler.Benchmarks.Quick;

namespace Scheduler.Benchmarks.Experiments;

/// <summary>
/// Why a shuffled ready queue costs the loop twice what it costs the floor, and what would win it back. 100,000 tasks,
/// each an iterator allocated next to a handle about the size of a coroutine (as Spawn allocates them), are stepped
/// in a random order: through a queue of iterators (the floor, one object per step), through a queue of handles
/// that hold their iterator (the loop's layout: the iterator's address is known only once the handle has been read,
/// so the two cache misses happen one after the other), and through a queue whose slots hold both the handle and its
/// iterator (both addresses known at once, so the two misses overlap).
/// </summary>
internal static class ReadyOrderExperiment
{
    private const int Tasks = 100_000;
    private const int Laps = 20;

    public static void Run()
    {
        Console.WriteLine($"ready order, {Tasks:N0} tasks stepped {Laps} times each in a random order:");
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
            Console.WriteLine($"   {name,-28} {Stats.Median(values),8:F1} ns per step (median of {values.Count})");
        }
    }

    private enum Variant
    {
        IteratorsOnly,
        HandleThenIterator,
        SlotWithBoth,
        HandlePrefetched,
    }

    private static double Time(Variant variant)
    {
        var handles = new Handle[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            handles[i] = new Handle(Workloads.Yielder(Laps));
        }

        int[] order = [.. Enumerable.Range(0, Tasks)];
        new Random(5).Shuffle(order);
        var ring = new Slot[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            Handle handle = handles[order[i]];
            ring[i] = new Slot(handle, handle.Frame);
        }

        Workloads.SettleHeap();
        long start = ThreadClock.NowNanoseconds();
        long steps = variant switch
        {
            Variant.IteratorsOnly => RunIterators(ring),
            Variant.HandleThenIterator => RunHandles(ring),
            Variant.SlotWithBoth => RunSlots(ring),
            _ => RunHandlesPrefetched(ring),
        };
        long elapsed = ThreadClock.NowNanoseconds() - start;
        GC.KeepAlive(handles);
        return (double)elapsed / steps;
    }

    // Every task yields Laps times then ends; each lap walks the ring in the same (shuffled) order.
    private static long RunIterators(Slot[] ring)
    {
        long steps = 0;
        for (int lap = 0; lap <= Laps; lap++)
        {
            for (int i = 0; i < ring.Length; i++)
            {
                steps++;
                _ = ring[i].Frame.MoveNext() && ring[i].Frame.Current is null;
            }
        }

        return steps;
    }

    private static long RunHandles(Slot[] ring)
    {
        long steps = 0;
        for (int lap = 0; lap <= Laps; lap++)
        {
            for (int i = 0; i < ring.Length; i++)
            {
                steps++;
                Handle handle = ring[i].Handle;
                handle.State = 1;
                handle.Steps++;
                IEnumerator frame = handle.Frame; // known only after the handle has been read
                handle.State = frame.MoveNext() && frame.Current is null ? 0 : 2;
            }
        }

        return steps;
    }

    private static long RunSlots(Slot[] ring)
    {
        long steps = 0;
        for (int lap = 0; lap <= Laps; lap++)
        {
            for (int i = 0; i < ring.Length; i++)
            {
                steps++;
                Handle handle = ring[i].Handle;
                IEnumerator frame = ring[i].Frame; // read from the slot: no wait for the handle
                handle.State = 1;
                handle.Steps++;
                handle.State = frame.MoveNext() && frame.Current is null ? 0 : 2;
            }
        }

        return steps;
    }

    // As RunHandles, but while stepping slot i it asks the CPU to fetch the handle of slot i + 8 and the line before it
    // (where its iterator sits): the address is in the queue already, so the miss overlaps the current step.
    private static unsafe long RunHandlesPrefetched(Slot[] ring)
    {
        const int Ahead = 8;
        long steps = 0;
        for (int lap = 0; lap <= Laps; lap++)
        {
            for (int i = 0; i < ring.Length; i++)
            {
                steps++;
                if (Sse.IsSupported)
                {
                    Handle ahead = ring[i + Ahead < ring.Length ? i + Ahead : i + Ahead - ring.Length].Handle;
                    byte* address = *(byte**)Unsafe.AsPointer(ref ahead); // a stale address after a GC only wastes the hint
                    Sse.Prefetch0(address);
                    Sse.Prefetch0(address - 64);
                }

                Handle handle = ring[i].Handle;
                handle.State = 1;
                handle.Steps++;
                IEnumerator frame = handle.Frame;
                handle.State = frame.MoveNext() && frame.Current is null ? 0 : 2;
            }
        }

        return steps;
    }

    private readonly record struct Slot(Handle Handle, IEnumerator Frame);

    // About the size of a coroutine (72 bytes), allocated right after its iterator.
    private sealed class Handle(IEnumerator frame)
    {
        public readonly IEnumerator Frame = frame;
        public long Steps;
        public int State;
#pragma warning disable CS0169, IDE0051 // padding to a coroutine's size
        private long _a, _b, _c, _d;
#pragma warning restore CS0169, IDE0051
    }
}
