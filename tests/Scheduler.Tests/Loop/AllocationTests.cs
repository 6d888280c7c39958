namespace Scheduler.Tests.Loop;

/// <summary>
/// The hot path allocates nothing in steady state (DESIGN.md "Performance is designed"): plain yields, waits
/// written fresh in every iteration, and joins. Deterministic: <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// counts what this thread allocated, and every loop here is driven on the test thread.
/// </summary>
/// <remarks>
/// Each test first runs a warm-up of the same shape (a few thousand steps) so that one-time costs (JIT, the
/// per-thread wait caches, queue and heap capacity) are paid before the measured window. Routines and coroutines
/// are created before the window, because spawning is not a step. Unless a test is about ending, its routines
/// end by parking on <see cref="Wait.Forever"/>, so that the window holds steps and nothing else; how much an
/// ending costs is pinned separately.
/// </remarks>
public class AllocationTests
{
    private const int MeasuredSteps = 100_000;

    [Test]
    public void PlainYield_OneTask_AllocatesNothingPerStep()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(YieldsThenParks(5_000));
        loop.RunUntilIdle();
        loop.Spawn(YieldsThenParks(MeasuredSteps - 1)); // k yields, then one step that parks: k + 1 steps

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(steps, Is.EqualTo(MeasuredSteps));
        AssertNothingAllocated(allocated, steps, "step");
    }

    [Test]
    public void PlainYield_ThousandTasks_AllocatesNothingPerStep()
    {
        const int Tasks = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < Tasks; i++)
        {
            loop.Spawn(YieldsThenParks(4));
        }

        loop.RunUntilIdle();
        for (int i = 0; i < Tasks; i++)
        {
            loop.Spawn(YieldsThenParks((MeasuredSteps / Tasks) - 1));
        }

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(steps, Is.EqualTo(MeasuredSteps));
        AssertNothingAllocated(allocated, steps, "step");
    }

    [Test]
    public void WaitFor_WrittenFreshEveryIteration_AllocatesNothingPerStep()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        loop.Spawn(Sleeps(5_000));
        loop.RunUntilIdle();
        loop.Spawn(Sleeps(MeasuredSteps - 1));
        TimeSpan start = clock.Elapsed;

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(MeasuredSteps));
            Assert.That(
                clock.Elapsed - start,
                Is.EqualTo(TimeSpan.FromMilliseconds(MeasuredSteps - 1)),
                "every sleep went through the timer heap and the clock jumped to each deadline");
        });
        AssertNothingAllocated(allocated, steps, "step");

        static IEnumerator Sleeps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return Wait.For(TimeSpan.FromMilliseconds(1));
            }

            yield return Wait.Forever;
        }
    }

    [Test]
    public void WaitTicks_WrittenFreshEveryIteration_AllocatesNothingPerStep()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(TickWaits(5_000));
        loop.RunUntilIdle();
        loop.Spawn(TickWaits(MeasuredSteps - 1));
        long ticksBefore = loop.TickCount;

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(MeasuredSteps));
            Assert.That(
                loop.TickCount - ticksBefore,
                Is.EqualTo((3L * (MeasuredSteps - 1)) + 2),
                "each wait lasted three rounds (then the parking step's round and the final idle round)");
        });
        AssertNothingAllocated(allocated, steps, "step");

        static IEnumerator TickWaits(int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return Wait.Ticks(3);
            }

            yield return Wait.Forever;
        }
    }

    [Test]
    public void Join_AlreadyCompletedCoroutine_AllocatesNothingPerJoin()
    {
        // Joining a coroutine that has ended requeues the joiner for the next round (Semantics 3): there is no
        // registration to store. One joiner joins the same completed coroutine 99,999 times.
        using var loop = new EventLoop(new VirtualClock());
        Coroutine done = loop.Spawn(YieldsThenEnds(0), "done");
        loop.Tick();
        loop.Spawn(Joins(done, 5_000));
        loop.RunUntilIdle();
        loop.Spawn(Joins(done, MeasuredSteps - 1));

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(done.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(steps, Is.EqualTo(MeasuredSteps));
        });
        AssertNothingAllocated(allocated, MeasuredSteps - 1, "join");

        static IEnumerator Joins(Coroutine target, int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return target;
            }

            yield return Wait.Forever;
        }
    }

    [Test]
    public void Join_PendingCoroutineInRelay_AllocatesNothingPerJoin()
    {
        // The steady state of joins that really park. A join wakes only when its target ends, and a coroutine
        // ends once, so every parked join needs a target of its own: there is no way to join one long-lived
        // partner over and over. So this is a relay, a pipeline in which every coroutine is joined once and joins
        // once: 50,000 coroutines are spawned before the window (spawning is not a step); in round 1 the first
        // yields and each other one joins its predecessor, which is still pending, and parks; then each round
        // one coroutine ends and wakes its successor, which ends in the next round. Per coroutine: one step that
        // joins (or yields) and one step that ends, so the window holds 100,000 steps and 49,999 joins that park,
        // wake and resume. It contains the endings because a parked join cannot complete without one; the cost of
        // an ending alone is pinned by Ending_OfPlainCoroutines_AllocatesNothingPerEnding.
        //
        // Steady state means the loop has met this load before: a joined coroutine's joiner list and a joiner's
        // parking record are pooled by the loop and reused once a coroutine ends, so the warm-up is a relay of
        // the same length (it fills the pools up to the peak number of parked joins).
        const int Relay = MeasuredSteps / 2;
        using var loop = new EventLoop(new VirtualClock());
        SpawnRelay(loop, Relay);
        loop.RunUntilIdle();

        Coroutine[] relay = SpawnRelay(loop, Relay);

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(MeasuredSteps));
            Assert.That(relay.Select(c => c.State), Is.All.EqualTo(CoroutineState.Completed));
            Assert.That(relay.Select(c => c.Steps), Is.All.EqualTo(2), "each joined a pending predecessor and resumed once");
        });
        AssertNothingAllocated(allocated, Relay - 1, "join");

        static Coroutine[] SpawnRelay(EventLoop loop, int length)
        {
            var relay = new Coroutine[length];
            relay[0] = loop.Spawn(YieldsThenEnds(1));
            for (int i = 1; i < length; i++)
            {
                relay[i] = loop.Spawn(JoinOnce(relay[i - 1]));
            }

            return relay;
        }
    }

    [Test]
    public void Ending_OfPlainCoroutines_AllocatesNothingPerEnding()
    {
        // A coroutine's last step (MoveNext returns false, it is retired as completed) is a step like any other.
        // 1,000 coroutines, each yielding 99 times and then ending: 100,000 steps, 1,000 of them endings.
        const int Tasks = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < Tasks; i++)
        {
            loop.Spawn(YieldsThenEnds(4));
        }

        loop.RunUntilIdle();
        var coroutines = new Coroutine[Tasks];
        for (int i = 0; i < Tasks; i++)
        {
            coroutines[i] = loop.Spawn(YieldsThenEnds((MeasuredSteps / Tasks) - 1));
        }

        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(MeasuredSteps));
            Assert.That(coroutines.Select(c => c.State), Is.All.EqualTo(CoroutineState.Completed));
        });
        AssertNothingAllocated(allocated, Tasks, "ending");
    }

    private static IEnumerator YieldsThenParks(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }

        yield return Wait.Forever;
    }

    private static IEnumerator YieldsThenEnds(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator JoinOnce(Coroutine target)
    {
        yield return target;
    }

    /// <summary>
    /// Finishes the garbage collector's pending work before a window. Without this, after a test that made
    /// megabytes of garbage the runtime now and then charges this thread a few kilobytes at a random moment
    /// even in a loop of pure arithmetic (observed: 5-7 KB once, with no collection counted); a settled heap
    /// does not. It hides nothing the loop allocates: every measured allocation comes from the code in the window.
    /// </summary>
    private static void SettleHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void AssertNothingAllocated(long allocated, long count, string unit)
    {
        Assert.That(
            allocated,
            Is.Zero,
            $"allocated {allocated} bytes over {count} {unit}s ({(double)allocated / count:0.###} bytes per {unit})");
    }
}
