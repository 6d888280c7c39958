namespace Scheduler.Tests.Performance;

/// <summary>
/// Memory per idle task: the live heap (<see cref="GC.GetTotalMemory(bool)"/> after full collections) grows by at
/// most a pinned number of bytes per parked task, everything included (iterator, coroutine, the loop's registry,
/// timer heap, waiter lists, read waits, and the ready-queue capacity left from when the tasks were all ready).
/// </summary>
/// <remarks>
/// The bounds sit just above what this design measures today (x64, .NET 10) at 50,000 tasks, so a regression of
/// a few bytes per task fails here. The target is 96 bytes including the iterator; the breakdown of today's
/// figure and the core changes that would reach it are in docs/performance.md. Other threads (the test runner)
/// allocate little while a test runs; against 50,000 tasks that is far below one byte per task.
/// </remarks>
public class IdleMemoryTests
{
    private const int Tasks = 50_000;

    [Test]
    public void Sleep_FiftyThousandTasksParked_BytesPerTaskWithinBound()
    {
        double perTask = MeasurePerTask(loop =>
        {
            WaitCondition hour = Wait.For(TimeSpan.FromHours(1));
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(WaitOnce(hour));
            }

            loop.Tick();
            Assert.That(loop.PendingTimerCount, Is.EqualTo(Tasks));
        });

        AssertWithinBound(perTask, Bounds.Sleep);
    }

    [Test]
    public void Signal_FiftyThousandTasksParked_BytesPerTaskWithinBound()
    {
        double perTask = MeasurePerTask(loop =>
        {
            var signal = new Signal(loop);
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(WaitOnce(signal.Wait()));
            }

            loop.Tick();
            Assert.That(signal.WaiterCount, Is.EqualTo(Tasks));
        });

        AssertWithinBound(perTask, Bounds.Signal);
    }

    [Test]
    public void ChannelRead_FiftyThousandTasksParked_BytesPerTaskWithinBound()
    {
        double perTask = MeasurePerTask(loop =>
        {
            var channel = new MessageChannel<int>(loop);
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(ReadOnce(channel));
            }

            loop.Tick();
            Assert.That(loop.ReadyCount, Is.Zero);
            Assert.That(loop.LiveCount, Is.EqualTo(Tasks));
        });

        AssertWithinBound(perTask, Bounds.ChannelRead);

        static IEnumerator ReadOnce(MessageChannel<int> channel)
        {
            ReadWait<int> read = channel.Read();
            yield return read;
        }
    }

    [Test]
    public void Join_FiftyThousandTasksParked_BytesPerTaskWithinBound()
    {
        double perTask = MeasurePerTask(loop =>
        {
            Coroutine target = loop.Spawn(WaitOnce(Wait.Forever));
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(WaitOnce(target));
            }

            loop.Tick();
            Assert.That(target.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(loop.ReadyCount, Is.Zero);
        });

        AssertWithinBound(perTask, Bounds.Join);
    }

    private static IEnumerator WaitOnce(WaitCondition wait)
    {
        yield return wait;
    }

    /// <summary>Live-heap growth per task while the loop built by <paramref name="park"/> holds its parked tasks.</summary>
    private static double MeasurePerTask(Action<EventLoop> park)
    {
        long before = LiveHeap();
        using var loop = new EventLoop(new VirtualClock());
        park(loop);
        long after = LiveHeap();
        GC.KeepAlive(loop);
        return (double)(after - before) / Tasks;
    }

    private static long LiveHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void AssertWithinBound(double perTask, double bound) =>
        Assert.That(perTask, Is.LessThanOrEqualTo(bound), $"{perTask:F1} bytes per parked task (bound {bound}, issue target 96)");

    /// <summary>
    /// Bytes per parked task at 50,000 tasks: today's figure (in the comment) plus about 4 bytes. Every kind holds
    /// the iterator (40), the coroutine (80, which includes what the coroutine is parked on), its entry in the
    /// loop's registry of live coroutines (a dictionary keyed by root iterator) and the ready queue's capacity from
    /// when all were ready (8 per slot, rounded up to a power of two).
    /// </summary>
    private static class Bounds
    {
        /// <summary>Today 204.2. Plus the timer-heap entry (deadline, sequence, waiter: 24 per slot).</summary>
        public const double Sleep = 208;

        /// <summary>Today 183.3. Plus the signal's waiter-list slot (8 per slot).</summary>
        public const double Signal = 187;

        /// <summary>Today 239.3. As a signal, plus the coroutine's own ReadWait (48), which stands in the reader list.</summary>
        public const double ChannelRead = 243;

        /// <summary>Today 182.8. As a signal: the target's joiner-list slot.</summary>
        public const double Join = 187;
    }
}
