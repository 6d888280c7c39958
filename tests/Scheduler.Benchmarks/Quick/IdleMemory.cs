using System.Collections;

namespace Scheduler.Benchmarks.Quick;

/// <summary>What one idle-memory workload measured, in bytes per parked task.</summary>
internal sealed record IdleResult(string ParkedOn, int Tasks, double BytesPerTask, double IteratorBytes)
{
    /// <summary>What the loop adds to each task beyond its iterator: the task object and its share of the loop's tables.</summary>
    public double LoopBytes => BytesPerTask - IteratorBytes;
}

/// <summary>
/// Bytes per idle task: the live heap (<see cref="GC.GetTotalMemory(bool)"/> after a full collection) before and
/// after a million tasks have spawned and parked. Everything the loop keeps counts: task objects, iterators, the
/// timer heap, the registry of live tasks, joiner lists, and the capacity the ready queue kept from when they were
/// all ready at once. The iterator's own size is measured separately the same way, by keeping a million of the same
/// iterator objects alone.
/// </summary>
internal static class IdleMemory
{
    public const int Tasks = 1_000_000;

    private static readonly TimeSpan s_hour = TimeSpan.FromHours(1);

    public static IReadOnlyList<IdleResult> MeasureAll() => [OnTimers(), OnJoin()];

    private static IdleResult OnTimers()
    {
        double iterator = IteratorBytes(static () => Workloads.SleepOnce(s_hour));
        long before = LiveHeap();
        using var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < Tasks; i++)
        {
            loop.Spawn(Workloads.SleepOnce(s_hour));
        }

        loop.Tick(); // one step each: every task yields Wait.For(1 h) and parks on the timer heap
        long after = LiveHeap();
        Check(loop.PendingTimerCount == Tasks && loop.ReadyCount == 0, "every task parked on a timer");
        return new IdleResult("Wait.For(1 h)", Tasks, (double)(after - before) / Tasks, iterator);
    }

    private static IdleResult OnJoin()
    {
        using var probeLoop = new EventLoop(new VirtualClock());
        Coroutine probeTarget = probeLoop.Spawn(Workloads.Forever());
        double iterator = IteratorBytes(() => Workloads.JoinOnce(probeTarget));

        long before = LiveHeap();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine target = loop.Spawn(Workloads.Forever()); // one long-running task, parked forever
        for (int i = 0; i < Tasks; i++)
        {
            loop.Spawn(Workloads.JoinOnce(target));
        }

        loop.Tick(); // one step each: the target parks, every joiner joins it and parks
        long after = LiveHeap();
        Check(loop.ReadyCount == 0 && loop.LiveCount == Tasks + 1 && target.State == CoroutineState.Waiting, "every joiner parked");

        // The target is one task shared by a million; its own cost is noise at this scale and is not subtracted.
        return new IdleResult("join of one running task", Tasks, (double)(after - before) / Tasks, iterator);
    }

    /// <summary>Bytes per object of a million iterators made by <paramref name="make"/>, nothing else.</summary>
    private static double IteratorBytes(Func<IEnumerator> make)
    {
        var keep = new IEnumerator[Tasks]; // allocated before the first reading, so its 8 B per slot is not counted
        long before = LiveHeap();
        for (int i = 0; i < keep.Length; i++)
        {
            keep[i] = make();
        }

        long after = LiveHeap();
        GC.KeepAlive(keep);
        return (double)(after - before) / Tasks;
    }

    private static long LiveHeap()
    {
        Workloads.SettleHeap();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Idle-memory setup failed: expected {what}.");
        }
    }
}
