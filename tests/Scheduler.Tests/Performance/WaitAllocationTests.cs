namespace Scheduler.Tests.Performance;

/// <summary>
/// Steady-state allocations of the wait kinds and primitives that <c>Loop/AllocationTests</c>,
/// <c>Coordination/CoordinationAllocationTests</c> and <c>Channels/ChannelAllocationTests</c> do not cover.
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> counts what this thread allocated while the loop ran a long
/// window, after a warm-up of the same shape on the same loop (JIT, per-thread caches, queue, heap, list and pool
/// capacity are paid before the window). Waits and routines are made before the window: spawning and making a
/// wait object are not steps.
/// </summary>
/// <remarks>
/// Where a kind allocates per use today, the test pins today's figure as an upper bound (so it cannot grow
/// unnoticed), says exactly what the bytes are, and is named <c>..._AllocatesPerWait_KnownCost</c>: the target is
/// zero, and the comment says what a core change would take.
/// </remarks>
public class WaitAllocationTests
{
    private const int Warmup = 2_000;
    private const int Measured = 50_000;

    [Test]
    public void NextTick_WrittenEveryIteration_AllocatesNothingPerStep()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(NextTicks(Warmup));
        loop.RunUntilIdle();
        loop.Spawn(NextTicks(Measured));

        (long steps, long allocated) = MeasureRunUntilIdle(loop);

        Assert.That(steps, Is.EqualTo(Measured + 1));
        AssertNothingAllocated(allocated, Measured, "wait");

        static IEnumerator NextTicks(int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return Wait.NextTick;
            }
        }
    }

    [TestCase(true, TestName = "Until_SameInstanceYieldedAgain_AllocatesNothingPerPoll")]
    [TestCase(false, TestName = "While_SameInstanceYieldedAgain_AllocatesNothingPerPoll")]
    public void Predicate_SameInstanceYieldedAgain_AllocatesNothingPerPoll(bool until)
    {
        // The predicate holds on every other poll: yielded in round r, the wait is polled (and fails) in round
        // r + 1 and polled (and holds) in round r + 2, where the coroutine yields it again. Two rounds, two polls
        // and one step per wait. Wait.Until/While return a new wait per call by design (it holds the predicate);
        // a routine that keeps its wait allocates nothing per use. Driven by Tick: a round that only polls runs
        // no step, which RunUntilIdle would take for idle.
        using var loop = new EventLoop(new VirtualClock());
        var flip = new Flip();
        WaitCondition wait = until ? Wait.Until(flip.Next) : Wait.While(flip.NextNegated);
        var counter = new Counter();
        loop.Spawn(Waits(wait, counter));
        RunRounds(loop, 2 * Warmup);
        long pollsBefore = flip.Calls;

        AssertRoundsAllocateNothing(loop, counter, 2 * Measured, perRound: 0.5, "wait");
        Assert.That(flip.Calls - pollsBefore, Is.EqualTo(2L * Measured), "every wait was polled twice");

        static IEnumerator Waits(WaitCondition wait, Counter counter)
        {
            while (true)
            {
                yield return wait;
                counter.Value++;
            }
        }
    }

    [Test]
    public void Delegation_ChildRoutinePerIteration_AllocatesOnlyTheChildIterator()
    {
        // yield return Child() runs the child in the parent's step, on the parent's frame stack. The child
        // iterator is the caller's allocation; the loop's share (frame stack, delegated-frame registry) is zero.
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Parent(Warmup));
        loop.RunUntilIdle();
        long childBytes = BytesOf(static () => Child());
        loop.Spawn(Parent(Measured));

        (long steps, long allocated) = MeasureRunUntilIdle(loop);

        Assert.Multiple(() =>
        {
            Assert.That(childBytes, Is.GreaterThan(0));
            Assert.That(steps, Is.EqualTo((2L * Measured) + 1), "one step in the child, one back in the parent, per delegation");
            Assert.That(
                allocated,
                Is.EqualTo(childBytes * Measured),
                $"allocated {allocated} bytes over {Measured} delegations; each child iterator is {childBytes} bytes");
        });

        static IEnumerator Parent(int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return Child();
                yield return null;
            }
        }
    }

    [Test]
    public void SignalHandOffRing_ThousandCoroutines_AllocatesNothingPerHandOff()
    {
        // A ring: each coroutine waits on its own auto-reset signal, then sets the next one's; one runs per round.
        const int Ring = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        var signals = new Signal[Ring];
        for (int i = 0; i < Ring; i++)
        {
            signals[i] = new Signal(loop, autoReset: true);
        }

        var counter = new Counter();
        for (int i = 0; i < Ring; i++)
        {
            loop.Spawn(Relay(signals[i], signals[(i + 1) % Ring], counter));
        }

        signals[0].Set();
        RunRounds(loop, Warmup);
        AssertRoundsAllocateNothing(loop, counter, Measured, perRound: 1, "hand-off");

        static IEnumerator Relay(Signal mine, Signal next, Counter counter)
        {
            while (true)
            {
                yield return mine.Wait();
                counter.Value++;
                next.Set();
            }
        }
    }

    [Test]
    public void SignalBroadcast_ManualResetToThousandWaiters_AllocatesNothingPerWake()
    {
        // A manual-reset signal releases every waiter at once; the waiters park again each round.
        const int Waiters = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        var counter = new Counter();
        for (int i = 0; i < Waiters; i++)
        {
            loop.Spawn(Waiter(signal, counter));
        }

        loop.Spawn(Pulser(signal));
        RunRounds(loop, 20);
        AssertRoundsAllocateNothing(loop, counter, 100, perRound: Waiters, "wake");

        static IEnumerator Waiter(Signal signal, Counter counter)
        {
            while (true)
            {
                yield return signal.Wait();
                counter.Value++;
            }
        }

        // Sets the signal in one round and resets it in the next. A waiter released in round r runs in r + 1 and
        // waits again while the signal is still set (it resumes in r + 2 without parking); in r + 2 it finds the
        // signal reset and parks until the next set. Either way each waiter runs once per round.
        static IEnumerator Pulser(Signal signal)
        {
            while (true)
            {
                signal.Set();
                yield return null;
                signal.Reset();
                yield return null;
            }
        }
    }

    [Test]
    public void SemaphoreQueue_ThousandContendersOnePermit_AllocatesNothingPerHandOff()
    {
        const int Contenders = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1);
        var counter = new Counter();
        for (int i = 0; i < Contenders; i++)
        {
            loop.Spawn(Contender(semaphore, counter));
        }

        RunRounds(loop, Warmup);
        AssertRoundsAllocateNothing(loop, counter, Measured, perRound: 0.5, "hand-off");

        static IEnumerator Contender(CoroutineSemaphore semaphore, Counter counter)
        {
            while (true)
            {
                yield return semaphore.Wait();
                counter.Value++;
                yield return null;
                semaphore.Release();
            }
        }
    }

    [Test]
    public void LockQueue_ThousandContenders_AllocatesNothingPerHandOff()
    {
        const int Contenders = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        var counter = new Counter();
        for (int i = 0; i < Contenders; i++)
        {
            loop.Spawn(Contender(gate, counter));
        }

        RunRounds(loop, Warmup);
        AssertRoundsAllocateNothing(loop, counter, Measured, perRound: 0.5, "hand-off");

        static IEnumerator Contender(CoroutineLock gate, Counter counter)
        {
            while (true)
            {
                yield return gate.Acquire();
                counter.Value++;
                yield return null;
                gate.Release();
            }
        }
    }

    [Test]
    public void ChannelFanOut_BoundedWithThousandReaders_AllocatesNothingPerItem()
    {
        // One writer, a thousand readers each with its own reused read wait; the writer never has to wait
        // (TryWrite into a bounded channel with room), readers are served in the order they started waiting.
        const int Readers = 1_000;
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 16);
        var counter = new Counter();
        for (int i = 0; i < Readers; i++)
        {
            loop.Spawn(Reader(channel, counter));
        }

        loop.Spawn(Writer(channel));
        RunRounds(loop, Warmup);
        AssertRoundsAllocateNothing(loop, counter, Measured, perRound: 8, "item");

        static IEnumerator Reader(MessageChannel<int> channel, Counter counter)
        {
            ReadWait<int> read = channel.Read();
            while (true)
            {
                yield return read;
                counter.Value++;
            }
        }

        static IEnumerator Writer(MessageChannel<int> channel)
        {
            int value = 0;
            while (true)
            {
                for (int i = 0; i < 8; i++)
                {
                    channel.TryWrite(value++);
                }

                yield return null;
            }
        }
    }

    [Test]
    public void Settled_PendingCoroutineInRelay_AllocatesPerJoin_KnownCost()
    {
        // KNOWN COST, target 0. Wait.Settled(c) creates the coroutine's extras with `new` (Coroutine.Extras, not
        // the loop's pool, because it may be called from any thread) and a SettledWait cached in them, and the
        // cached wait makes the extras non-recyclable when the coroutine ends (IsRecyclable checks Settled).
        // Per settled join today: the SettledWait (24 B), the extras of the target (never pooled), and the
        // joiner list it rents. Pinned at today's figure so it cannot grow; a fix (a settled-join flag on the
        // joiner instead of a cached wait object, or clearing Settled on recycle) would make this zero.
        const int Relay = Measured / 2;
        using var loop = new EventLoop(new VirtualClock());
        SpawnRelay(loop, Relay);
        loop.RunUntilIdle();
        SpawnRelay(loop, Relay);

        (long steps, long allocated) = MeasureRunUntilIdle(loop);

        Assert.That(steps, Is.EqualTo(2L * Relay));
        AssertAtMost(allocated, Relay - 1, "settled join", KnownCosts.SettledJoinBytes);

        static void SpawnRelay(EventLoop loop, int length)
        {
            Coroutine previous = loop.Spawn(YieldsOnce());
            for (int i = 1; i < length; i++)
            {
                previous = loop.Spawn(SettleOnce(previous));
            }
        }

        static IEnumerator SettleOnce(Coroutine target)
        {
            yield return Wait.Settled(target);
        }
    }

    [Test]
    public void WithTimeout_SameInstanceYieldedAgain_AllocatesPerWait_KnownCost()
    {
        // KNOWN COST, target 0. A TimeoutWait is a Wait.Any of the inner wait and a timer; every yield builds a
        // CompositeWaiter (with its branch array) and one WaitBranch per child (CompositeWaiter.Park), even when
        // the same TimeoutWait instance is yielded again. Pooling the composite and its branches per loop (they
        // are released when the outcome is decided) would make this zero.
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        var never = new Signal(loop);
        TimeoutWait wait = never.Wait().WithTimeout(TimeSpan.FromMilliseconds(1));
        loop.Spawn(Waits(wait, Warmup));
        loop.RunUntilIdle();
        loop.Spawn(Waits(wait, Measured));

        (long steps, long allocated) = MeasureRunUntilIdle(loop);

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(Measured + 1));
            Assert.That(wait.TimedOut, Is.True);
        });
        AssertAtMost(allocated, Measured, "wait", KnownCosts.TwoChildCompositeBytes);
    }

    [TestCase(true, TestName = "Any_SameInstanceYieldedAgain_AllocatesPerWait_KnownCost")]
    [TestCase(false, TestName = "All_SameInstanceYieldedAgain_AllocatesPerWait_KnownCost")]
    public void Composite_SameInstanceYieldedAgain_AllocatesPerWait_KnownCost(bool any)
    {
        // KNOWN COST, target 0: the same composite machinery as WithTimeout (a CompositeWaiter, its branch array
        // and a WaitBranch per child per yield). Two timer children: Any fires with the first, All with the second.
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        WaitCondition[] children = [Wait.For(TimeSpan.FromMilliseconds(1)), Wait.For(TimeSpan.FromMilliseconds(2))];
        WaitCondition wait = any ? Wait.Any(children) : Wait.All(children);
        loop.Spawn(Waits(wait, Warmup));
        loop.RunUntilIdle();
        loop.Spawn(Waits(wait, Measured));

        (long steps, long allocated) = MeasureRunUntilIdle(loop);

        Assert.That(steps, Is.EqualTo(Measured + 1));
        AssertAtMost(allocated, Measured, "wait", KnownCosts.TwoChildCompositeBytes);
    }

    [Test]
    public void TaskGroup_SpawnAndWaitAll_AllocatesOnlyPerGroupAndPerChild_KnownCost()
    {
        // A task group is used once, so its steady state is a routine that opens a group, spawns children and
        // waits for them, again and again. Spawning is not a step, but here it happens inside steps, so the
        // window holds the children themselves (iterator and coroutine, the same as EventLoop.Spawn), plus what
        // the group adds: the group object and its cached wait, one end-watch per child, the owner watch, and
        // their lists. Pinned at today's figure per child so it cannot grow unnoticed.
        const int Children = 4;
        const int Groups = Measured / 20;
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Nurseries(loop, 200));
        loop.RunUntilIdle();
        long plainChild = BytesOfSpawn(loop);
        loop.Spawn(Nurseries(loop, Groups));

        (long steps, long allocated) = MeasureRunUntilIdle(loop);

        long groupShare = allocated - (plainChild * Children * Groups);
        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo((long)Groups * (1 + (2 * Children)) + 1));
            Assert.That(
                (double)groupShare / Groups,
                Is.LessThanOrEqualTo(KnownCosts.TaskGroupBytesPerGroupOfFour),
                $"the group's own share: {groupShare} bytes over {Groups} groups of {Children} children " +
                $"(a plain spawned child is {plainChild} bytes)");
        });

        static IEnumerator Nurseries(EventLoop loop, int groups)
        {
            for (int g = 0; g < groups; g++)
            {
                var group = new TaskGroup(loop);
                for (int i = 0; i < Children; i++)
                {
                    group.Spawn(YieldsOnce());
                }

                yield return group.WaitAll();
            }
        }
    }

    private static IEnumerator Waits(WaitCondition wait, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return wait;
        }
    }

    private static IEnumerator Child()
    {
        yield return null;
    }

    private static IEnumerator YieldsOnce()
    {
        yield return null;
    }

    /// <summary>Bytes allocated by making one object with <paramref name="make"/> (averaged over many, to skip one-time costs).</summary>
    private static long BytesOf(Func<object> make)
    {
        const int Count = 1_000;
        var keep = new object[Count];
        make();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Count; i++)
        {
            keep[i] = make();
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(keep);
        return bytes / Count;
    }

    /// <summary>Bytes one plain spawn of <see cref="YieldsOnce"/> allocates on <paramref name="loop"/> (iterator and coroutine), run to its end.</summary>
    private static long BytesOfSpawn(EventLoop loop)
    {
        const int Count = 1_000;
        for (int i = 0; i < Count; i++)
        {
            loop.Spawn(YieldsOnce());
        }

        loop.RunUntilIdle();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Count; i++)
        {
            loop.Spawn(YieldsOnce());
        }

        loop.RunUntilIdle();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / Count;
    }

    private static (long Steps, long Allocated) MeasureRunUntilIdle(EventLoop loop)
    {
        SettleHeap();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long steps = loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (steps, allocated);
    }

    private static void RunRounds(EventLoop loop, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            loop.Tick();
        }
    }

    /// <summary>Runs <paramref name="rounds"/> rounds in a window; checks that work flowed and nothing was allocated.</summary>
    private static void AssertRoundsAllocateNothing(EventLoop loop, Counter counter, int rounds, double perRound, string unit)
    {
        SettleHeap();
        long countBefore = counter.Value;
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunRounds(loop, rounds);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long done = counter.Value - countBefore;

        Assert.That(done, Is.EqualTo((long)(rounds * perRound)), $"{unit}s in the window");
        AssertNothingAllocated(allocated, done, unit);
    }

    private static void AssertNothingAllocated(long allocated, long count, string unit) =>
        Assert.That(allocated, Is.Zero, $"allocated {allocated} bytes over {count} {unit}s ({(double)allocated / count:0.###} bytes per {unit})");

    private static void AssertAtMost(long allocated, long count, string unit, double bytesPerUnit) =>
        Assert.That(
            (double)allocated / count,
            Is.LessThanOrEqualTo(bytesPerUnit),
            $"allocated {allocated} bytes over {count} {unit}s ({(double)allocated / count:0.###} bytes per {unit}; known cost {bytesPerUnit})");

    private static void SettleHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>
    /// Today's known per-use costs (x64, .NET 10), pinned as upper bounds; see the tests that use them. The
    /// breakdowns were read from the runtime's allocation sampling (GCAllocationTick events, type and size).
    /// </summary>
    private static class KnownCosts
    {
        /// <summary>
        /// The target's CoroutineExtras made with new (104), its joiner list, which is not returned to the pool
        /// because the extras are never recycled (WaiterList 48 + its WaiterSlot[4] 56), and the SettledWait (24).
        /// </summary>
        public const double SettledJoinBytes = 232;

        /// <summary>CompositeWaiter (56), its WaitBranch[2] (40) and two WaitBranch objects (2 x 56).</summary>
        public const double TwoChildCompositeBytes = 208;

        /// <summary>
        /// Per group of four children, beyond the children's own coroutines and iterators: TaskGroup (136), four
        /// ChildWatch (4 x 64), OwnerWatch (40), GroupWait (32), the group's waiter list (48 + 56, not pooled), and
        /// the owner's description formatted eagerly in the constructor (about 112: a string, its buffer, a boxed id).
        /// Measured 744 since the coroutine keeps what it is parked on in a field of its own (80 bytes, was 72).
        /// </summary>
        public const double TaskGroupBytesPerGroupOfFour = 748;
    }

    private sealed class Counter
    {
        public long Value;
    }

    private sealed class Flip
    {
        private bool _value;

        public long Calls { get; private set; }

        public bool Next()
        {
            Calls++;
            return _value = !_value;
        }

        public bool NextNegated() => !Next();
    }
}
