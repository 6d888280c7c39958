using System.Collections;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Cases;

/// <summary>
/// Plain-yield steps of 100,000 tasks whose ready order is shuffled the way timers leave it: the tasks are spawned
/// (and allocated) in one order, each sleeps a random whole number of milliseconds, and they wake, and from then on
/// run, in deadline order. The steady plain-yield rounds after that are measured, against the floor running the
/// same iterators in the same (shuffled) order.
/// </summary>
/// <remarks>
/// Walking tasks in an order unrelated to where they sit in memory costs cache misses: the floor touches one object
/// per step (the iterator), the loop two (the coroutine and its iterator). That is what this row prices.
/// </remarks>
internal static class RandomOrderCases
{
    private const int Tasks = 100_000;
    private const int MaxDelayMs = 1_000;

    public static IEnumerable<ComparisonCase> Quick()
    {
        int[] delays = RandomDelays(Tasks, seed: 6);
        int[] order = FiredOrder(delays);
        yield return new ComparisonCase
        {
            Id = "random-100000",
            Workload = "plain-yield step, 100k tasks in random order (as timers leave them)",
            Label = "100,000 tasks",
            Operation = "step",
            Ours = Loop(delays),
            References =
            [
                new ReferenceSpec(Floor(delays, order, "floor, same shuffled order"), new Target("<= 1.30", 1.3, ZeroBytes: true)),
                new ReferenceSpec(Floor(delays, null, "floor, spawn order"), Target.None),
            ],
            Size = 41,
            BaselineSize = 1, // the timed run holds K steps per task: K - 1 yields and the step that ends it
            Repetitions = 7,
            Miniatures = static () =>
            {
                int[] small = RandomDelays(64, seed: 1);
                return [(Loop(small), 4), (Floor(small, FiredOrder(small), "floor"), 4), (Floor(small, null, "floor"), 4)];
            },
        };
    }

    /// <summary>The loop: spawn, park everyone on its timer, fire them all (one step each), then time the rest.</summary>
    public static Contender Loop(int[] delays) => new("EventLoop", yields =>
    {
        var clock = new VirtualClock();
        var loop = new EventLoop(clock);
        WaitCondition[] waits = Waits(delays);
        for (int i = 0; i < delays.Length; i++)
        {
            loop.Spawn(SleepThenYield(waits[i], yields));
        }

        loop.Tick(); // every task yields its sleep and parks
        clock.Advance(TimeSpan.FromMilliseconds(MaxDelayMs));
        loop.Tick(); // phase (b) fires every timer in deadline order; each task resumes and yields its first null
        if (loop.PendingTimerCount != 0 || loop.ReadyCount != delays.Length)
        {
            throw new InvalidOperationException("Setup failed: every task should be ready, in the order its timer fired.");
        }

        return new Prepared(() => StepCases.Check(loop.RunUntilIdle(), (long)yields * delays.Length, "loop"), loop.Dispose);
    });

    /// <summary>
    /// The floor: the same iterators, allocated in spawn order, advanced past their sleep and first yield, and queued
    /// in <paramref name="order"/> (null: spawn order).
    /// </summary>
    public static Contender Floor(int[] delays, int[]? order, string name) => new(name, yields =>
    {
        WaitCondition[] waits = Waits(delays);
        var tasks = new IEnumerator[delays.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = SleepThenYield(waits[i], yields);
            tasks[i].MoveNext(); // yields its sleep
        }

        var queue = new Queue<IEnumerator>(tasks.Length);
        for (int k = 0; k < tasks.Length; k++)
        {
            IEnumerator task = tasks[order is null ? k : order[k]];
            task.MoveNext(); // resumes and yields its first null
            queue.Enqueue(task);
        }

        return new Prepared(() => StepCases.Check(Workloads.RunFloor(queue), (long)yields * delays.Length, "floor"));
    });

    /// <summary>Sleeps once, then yields <paramref name="yields"/> times (at least 1): after the sleep and the first yield, <paramref name="yields"/> steps are left.</summary>
    public static IEnumerator SleepThenYield(WaitCondition sleep, int yields)
    {
        yield return sleep;
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    public static int[] RandomDelays(int count, int seed)
    {
        var random = new Random(seed);
        var delays = new int[count];
        for (int i = 0; i < count; i++)
        {
            delays[i] = random.Next(1, MaxDelayMs + 1);
        }

        return delays;
    }

    /// <summary>The order the timers fire: by deadline, equal deadlines in the order set (spawn order).</summary>
    public static int[] FiredOrder(int[] delays)
    {
        int[] order = [.. Enumerable.Range(0, delays.Length)];
        Array.Sort(order, (a, b) => delays[a] != delays[b] ? delays[a].CompareTo(delays[b]) : a.CompareTo(b));
        return order;
    }

    private static WaitCondition[] Waits(int[] delays)
    {
        var byMs = new WaitCondition[MaxDelayMs + 1];
        var waits = new WaitCondition[delays.Length];
        for (int i = 0; i < delays.Length; i++)
        {
            waits[i] = byMs[delays[i]] ??= Wait.For(TimeSpan.FromMilliseconds(delays[i]));
        }

        return waits;
    }
}
