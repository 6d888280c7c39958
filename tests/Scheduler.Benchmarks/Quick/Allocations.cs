using System.Collections;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// Bytes allocated per step in steady state, counted exactly by <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// around one <see cref="EventLoop.RunUntilIdle()"/>.
/// </summary>
/// <remarks>
/// Steady state means the loop's own tables have already grown to the workload's size: each workload runs two
/// batches on the same loop unmeasured (growing the ready queue, the timer heap, the registry, the predicate list
/// and the wait caches to their peak), then spawns another identical batch (spawning allocates the task, outside the
/// count) and counts only the run.
/// The worst of several measured batches is reported, so a single allocating batch cannot hide.
/// </remarks>
internal static class Allocations
{
    private const int Batches = 3;

    private static readonly WaitCondition s_always = Wait.Until(static () => true);

    /// <summary>The target of every workload below unless it says otherwise.</summary>
    public const string Zero = "0";

    public static IReadOnlyList<AllocationRecord> MeasureAll() =>
    [
        PlainYields(tasks: 1_000, yields: 1_000),
        NextTicks(tasks: 1_000, yields: 100),
        FreshWaitFor(tasks: 1_000, sleeps: 100),
        ReusedPredicate(tasks: 1_000, polls: 100),
        Joins(pairs: 10_000),
        SettledJoins(pairs: 10_000),
        SignalPingPong(roundTrips: 10_000),
        SemaphoreHandOff(handOffs: 10_000),
        ChannelPingPong(roundTrips: 10_000),
        FreshAny(tasks: 1_000, waits: 100),
        FreshTimeout(tasks: 1_000, waits: 100),
        WaitingWrites(items: 10_000),
    ];

    // Wait.NextTick written in every iteration: the same as yield return null, through the wait path.
    private static AllocationRecord NextTicks(int tasks, int yields)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"Wait.NextTick ({tasks:N0} tasks x {yields})",
            loop,
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(NextTicker(yields));
                }

                return (long)tasks * yields;
            },
            "wait");
    }

    private static IEnumerator NextTicker(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return Wait.NextTick;
        }
    }

    // One Wait.Until per task, made once and yielded again and again. Its predicate always holds, so every wait
    // parks in the predicate list, is polled in the next round's phase (b) and resumes in that round: a round with a
    // step in it, so RunUntilIdle does not take a round of failed polls for idle.
    private static AllocationRecord ReusedPredicate(int tasks, int polls)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"Wait.Until, reused ({tasks:N0} tasks x {polls})",
            loop,
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(Poller(s_always, polls)); // the wait is made outside the window
                }

                return (long)tasks * polls;
            },
            "wait");
    }

    private static IEnumerator Poller(WaitCondition until, int polls)
    {
        for (int i = 0; i < polls; i++)
        {
            yield return until;
        }
    }

    // Relay: each coroutine settles-joins its predecessor, still pending (Wait.Settled caches one wait per target).
    private static AllocationRecord SettledJoins(int pairs)
    {
        using var loop = new EventLoop(new VirtualClock());
        return Worst(
            $"Wait.Settled of a pending task ({pairs:N0} pairs)",
            loop,
            () =>
            {
                for (int i = 0; i < pairs; i++)
                {
                    Coroutine target = loop.Spawn(Workloads.Yielder(1));
                    loop.Spawn(SettleOnce(target));
                }

                return pairs;
            },
            "join",
            expectation: "0 (known miss: see docs)");
    }

    private static IEnumerator SettleOnce(Coroutine target)
    {
        yield return Wait.Settled(target);
    }

    // Wait.Any(signal, timer) written fresh in every iteration, as a timeout idiom would; the timer wins.
    private static AllocationRecord FreshAny(int tasks, int waits)
    {
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        var never = new Signal(loop);
        return Worst(
            $"Wait.Any(signal, Wait.For) fresh ({tasks:N0} x {waits})",
            loop,
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(AnyWaiter(never, waits));
                }

                return (long)tasks * waits;
            },
            "wait",
            expectation: "per wait: by design (new composite)");
    }

    private static IEnumerator AnyWaiter(Signal never, int waits)
    {
        for (int i = 0; i < waits; i++)
        {
            yield return Wait.Any(never.Wait(), Wait.For(TimeSpan.FromMilliseconds(1)));
        }
    }

    // signal.Wait().WithTimeout(d), made once per task and yielded again and again; the timeout wins.
    private static AllocationRecord FreshTimeout(int tasks, int waits)
    {
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        var never = new Signal(loop);
        return Worst(
            $"WithTimeout, reused ({tasks:N0} x {waits})",
            loop,
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(TimeoutWaiter(never, waits));
                }

                return (long)tasks * waits;
            },
            "wait",
            expectation: "0 (known miss: see docs)");
    }

    private static IEnumerator TimeoutWaiter(Signal never, int waits)
    {
        TimeoutWait wait = never.Wait().WithTimeout(TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < waits; i++)
        {
            yield return wait;
        }
    }

    // A producer that always finds the bounded channel full: every write waits for room. One channel serves every
    // batch (as in ChannelPingPong), so what is counted is the cost per item, not a new channel's first buffers.
    private static AllocationRecord WaitingWrites(int items)
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 1);
        return Worst(
            $"channel write that waits for room ({items:N0} items)",
            loop,
            () =>
            {
                loop.Spawn(Flood(channel, items));
                loop.Spawn(Drain(channel, items));
                return items;
            },
            "item");
    }

    private static IEnumerator Flood(MessageChannel<int> channel, int items)
    {
        for (int i = 0; i < items; i++)
        {
            yield return channel.Write(i);
        }
    }

    private static IEnumerator Drain(MessageChannel<int> channel, int items)
    {
        ReadWait<int> read = channel.Read();
        for (int i = 0; i < items; i++)
        {
            yield return read;
        }
    }

    // Two coroutines bounce control through two auto-reset signals: each Set wakes the other, which waits again.
    private static AllocationRecord SignalPingPong(int roundTrips)
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
    private static AllocationRecord SemaphoreHandOff(int handOffs)
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
    private static AllocationRecord ChannelPingPong(int roundTrips)
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

    private static AllocationRecord PlainYields(int tasks, int yields)
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
    private static AllocationRecord FreshWaitFor(int tasks, int sleeps)
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
    private static AllocationRecord Joins(int pairs)
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

    private static AllocationRecord Worst(string workload, EventLoop loop, Func<long> spawnBatch, string operationName, string expectation = Zero)
    {
        for (int w = 0; w < 2; w++)
        {
            spawnBatch();
            loop.RunUntilIdle(); // warm batches: tables grow to their peak, caches fill, code is jitted
        }

        AllocationRecord? worst = null;
        for (int b = 0; b < Batches; b++)
        {
            long operations = spawnBatch();
            long before = GC.GetAllocatedBytesForCurrentThread();
            long steps = loop.RunUntilIdle();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (worst is null || bytes > worst.Bytes)
            {
                worst = new AllocationRecord(workload, steps, bytes, operations, operationName, expectation);
            }
        }

        return worst!;
    }
}
