using System.Collections;

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
        SignalPingPong(roundTrips: 10_000),
        SemaphoreHandOff(handOffs: 10_000),
        ChannelPingPong(roundTrips: 10_000),
    ];

    // Two coroutines bounce control through two auto-reset signals: each Set wakes the other, which waits again.
    private static AllocationResult SignalPingPong(int roundTrips)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"signal ping-pong (auto-reset, {roundTrips:N0} round trips)",
            loop,
            () =>
            {
                var ping = new Signal(loop, autoReset: true);
                var pong = new Signal(loop, autoReset: true);
                loop.Spawn(SignalPlayer(ping, pong, roundTrips, serves: true));
                loop.Spawn(SignalPlayer(pong, ping, roundTrips, serves: false));
                return roundTrips;
            },
            "round trip");
    }

    private static IEnumerator SignalPlayer(Signal mine, Signal other, int roundTrips, bool serves)
    {
        for (int i = 0; i < roundTrips; i++)
        {
            if (serves)
            {
                other.Set();
            }

            yield return mine.Wait();
            if (!serves)
            {
                other.Set();
            }
        }
    }

    // Two coroutines share one permit: each takes it, holds it for a round, and releases it to the other.
    private static AllocationResult SemaphoreHandOff(int handOffs)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"semaphore hand-off (1 permit, {handOffs:N0} hand-offs)",
            loop,
            () =>
            {
                var permit = new CoroutineSemaphore(loop, initialCount: 1);
                loop.Spawn(PermitHolder(permit, handOffs / 2));
                loop.Spawn(PermitHolder(permit, handOffs / 2));
                return handOffs;
            },
            "hand-off");
    }

    private static IEnumerator PermitHolder(CoroutineSemaphore permit, int times)
    {
        for (int i = 0; i < times; i++)
        {
            yield return permit.Wait();
            yield return null;
            permit.Release();
        }
    }

    // An item bounced between two coroutines through two channels; each reads with one reused read wait.
    private static AllocationResult ChannelPingPong(int roundTrips)
    {
        using var loop = new EventLoop(new VirtualClock());

        // The channels and their read waits (one per reader, reused for every item) are made once, outside the
        // window, so what is counted is the cost per item, not the cost of a new channel's first buffer.
        var there = new MessageChannel<int>(loop);
        var back = new MessageChannel<int>(loop);
        ReadWait<int> readThere = there.Read();
        ReadWait<int> readBack = back.Read();
        return Worst(
            $"channel ping-pong ({roundTrips:N0} round trips)",
            loop,
            () =>
            {
                loop.Spawn(ChannelPlayer(readBack, there, roundTrips, serves: true));
                loop.Spawn(ChannelPlayer(readThere, back, roundTrips, serves: false));
                return roundTrips;
            },
            "round trip");
    }

    private static IEnumerator ChannelPlayer(ReadWait<int> read, MessageChannel<int> outbox, int roundTrips, bool serves)
    {
        for (int i = 0; i < roundTrips; i++)
        {
            if (serves)
            {
                outbox.TryWrite(i);
            }

            yield return read;
            if (!serves)
            {
                outbox.TryWrite(read.Value);
            }
        }
    }

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
