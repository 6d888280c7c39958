namespace Scheduler.Benchmarks.Quick;

/// <summary>What one allocation workload measured.</summary>
internal sealed record AllocationResult(string Workload, long Steps, long Bytes, long Operations, string OperationName)
{
    public double BytesPerStep => (double)Bytes / Steps;

    public double BytesPerOperation => (double)Bytes / Operations;
}

/// <summary>
/// Bytes allocated per step in steady state, counted exactly by <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// around one <see cref="EventLoop.RunUntilIdle()"/>.
/// </summary>
/// <remarks>
/// Steady state means the loop's own tables have already grown to the workload's size: each workload runs a first
/// batch on the same loop unmeasured (growing the ready queue, the timer heap, the registry and the wait caches),
/// then spawns a second identical batch (spawning allocates the task, outside the count) and counts only the run.
/// The worst of several measured batches is reported, so a single allocating batch cannot hide.
/// </remarks>
internal static class Allocations
{
    private const int Batches = 3;

    public static IReadOnlyList<AllocationResult> MeasureAll() =>
    [
        PlainYields(tasks: 1_000, yields: 1_000),
        FreshWaitFor(tasks: 1_000, sleeps: 100),
        Joins(pairs: 10_000),
    ];

    private static AllocationResult PlainYields(int tasks, int yields)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"plain yield ({tasks:N0} tasks x {yields:N0})",
            loop,
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(Workloads.Yielder(yields));
                }

                return tasks;
            },
            "task");
    }

    // Ten different periods, so the timer heap really orders deadlines and the wait cache holds several entries.
    private static AllocationResult FreshWaitFor(int tasks, int sleeps)
    {
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        return Worst(
            $"Wait.For(d) fresh ({tasks:N0} tasks x {sleeps}, AutoAdvance)",
            loop,
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(Workloads.Sleeper(TimeSpan.FromMilliseconds(1 + (i % 10)), sleeps));
                }

                return (long)tasks * sleeps;
            },
            "sleep");
    }

    // Pairs spawned target first: in round 1 the target yields and its joiner joins it while it is pending (parks);
    // in round 2 the target ends and wakes the joiner; in round 3 the joiner ends. Four steps per join.
    private static AllocationResult Joins(int pairs)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"join a pending task ({pairs:N0} pairs)",
            loop,
            () =>
            {
                for (int i = 0; i < pairs; i++)
                {
                    Coroutine target = loop.Spawn(Workloads.Yielder(1));
                    loop.Spawn(Workloads.JoinOnce(target));
                }

                return pairs;
            },
            "join");
    }

    private static AllocationResult Worst(string workload, EventLoop loop, Func<long> spawnBatch, string operationName)
    {
        spawnBatch();
        loop.RunUntilIdle(); // the warm batch: tables grow, caches fill, code is jitted

        AllocationResult? worst = null;
        for (int b = 0; b < Batches; b++)
        {
            long operations = spawnBatch();
            long before = GC.GetAllocatedBytesForCurrentThread();
            long steps = loop.RunUntilIdle();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (worst is null || bytes > worst.Bytes)
            {
                worst = new AllocationResult(workload, steps, bytes, operations, operationName);
            }
        }

        return worst!;
    }
}
