using System.Collections;
using Scheduler.Benchmarks.References;

namespace Scheduler.Benchmarks.Quick;

/// <summary>What one idle-memory workload measured, in bytes per parked task.</summary>
/// <param name="Id">A stable key for reports across runs.</param>
/// <param name="ParkedOn">What the tasks wait on.</param>
/// <param name="Tasks">How many were parked.</param>
/// <param name="BytesPerTask">Live heap growth per task, everything included.</param>
/// <param name="IteratorBytes">The task body alone (its iterator, or nothing for the async references).</param>
/// <param name="IsReference">True for the async references (no target of their own).</param>
internal sealed record IdleResult(string Id, string ParkedOn, int Tasks, double BytesPerTask, double IteratorBytes, bool IsReference = false)
{
    /// <summary>What the loop adds to each task beyond its iterator: the task object and its share of the loop's tables.</summary>
    public double LoopBytes => BytesPerTask - IteratorBytes;
}

/// <summary>
/// Bytes per idle task: the live heap (<see cref="GC.GetTotalMemory(bool)"/> after a full collection) before and
/// after a million tasks have spawned and parked. Everything the loop keeps counts: task objects, iterators, the
/// timer heap, the registry of live tasks, waiter lists, read waits, and the capacity the ready queue kept from when
/// they were all ready at once. The iterator's own size is measured separately the same way, by keeping a million
/// of the same iterator objects alone. The references are a million async methods, each awaiting one shared task
/// that never completes: the state machine box (which is the method's <see cref="Task"/>) and its continuation.
/// </summary>
internal static class IdleMemory
{
    public const int Tasks = 1_000_000;

    private static readonly TimeSpan s_hour = TimeSpan.FromHours(1);

    public static IReadOnlyList<IdleResult> MeasureAll() =>
    [
        OnTimers(),
        OnSignal(),
        OnChannelRead(),
        OnJoin(),
        AsyncAwaiting(withContext: false),
        AsyncAwaiting(withContext: true),
    ];

    private static IdleResult OnTimers()
    {
        double iterator = IteratorBytes(static () => Workloads.SleepOnce(s_hour));
        return Parked("idle-sleep", "a sleep: Wait.For(1 h)", iterator, static loop =>
        {
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(Workloads.SleepOnce(s_hour));
            }

            loop.Tick(); // one step each: every task yields Wait.For(1 h) and parks on the timer heap
            return loop.PendingTimerCount == Tasks && loop.ReadyCount == 0;
        });
    }

    private static IdleResult OnSignal()
    {
        using (var probeLoop = new EventLoop(new VirtualClock()))
        {
            var probe = new Signal(probeLoop);
            double iterator = IteratorBytes(() => WaitOnce(probe.Wait()));
            return Parked("idle-signal", "a signal (one shared, not set)", iterator, static loop =>
            {
                var signal = new Signal(loop);
                for (int i = 0; i < Tasks; i++)
                {
                    loop.Spawn(WaitOnce(signal.Wait()));
                }

                loop.Tick();
                return signal.WaiterCount == Tasks && loop.ReadyCount == 0;
            });
        }
    }

    private static IdleResult OnChannelRead()
    {
        using (var probeLoop = new EventLoop(new VirtualClock()))
        {
            var probe = new MessageChannel<int>(probeLoop);
            double iterator = IteratorBytes(() => ReadOnce(probe));
            return Parked("idle-channel", "a channel read (one shared channel, own read wait)", iterator, static loop =>
            {
                var channel = new MessageChannel<int>(loop);
                for (int i = 0; i < Tasks; i++)
                {
                    loop.Spawn(ReadOnce(channel));
                }

                loop.Tick();
                return channel.Count == 0 && loop.ReadyCount == 0 && loop.LiveCount == Tasks;
            });
        }
    }

    private static IdleResult OnJoin()
    {
        using var probeLoop = new EventLoop(new VirtualClock());
        Coroutine probeTarget = probeLoop.Spawn(Workloads.Forever());
        double iterator = IteratorBytes(() => Workloads.JoinOnce(probeTarget));

        // The target is one task shared by a million; its own cost is noise at this scale and is not subtracted.
        return Parked("idle-join", "a join of one running task", iterator, static loop =>
        {
            Coroutine target = loop.Spawn(Workloads.Forever()); // one long-running task, parked forever
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(Workloads.JoinOnce(target));
            }

            loop.Tick(); // one step each: the target parks, every joiner joins it and parks
            return loop.ReadyCount == 0 && loop.LiveCount == Tasks + 1 && target.State == CoroutineState.Waiting;
        });
    }

    /// <summary>
    /// A million async methods awaiting one task that never completes, started on this thread: without a
    /// synchronization context (the cheapest continuation: the box itself) or inside the one-thread context (the
    /// continuation also remembers the context, as on a UI thread or the loop's own context).
    /// </summary>
    private static IdleResult AsyncAwaiting(bool withContext)
    {
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var keep = new Task[Tasks]; // allocated before the first reading, so its 8 B per slot is not counted
        var context = new OneThreadContext();
        long before = LiveHeap();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(withContext ? context : null);
        try
        {
            for (int i = 0; i < Tasks; i++)
            {
                keep[i] = AwaitForever(never.Task);
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        long after = LiveHeap();
        Check(keep.All(static t => !t.IsCompleted), "every async method suspended");
        GC.KeepAlive(keep);
        GC.KeepAlive(never);
        string where = withContext ? "one-thread SynchronizationContext captured" : "no SynchronizationContext";
        return new IdleResult(
            withContext ? "idle-async-context" : "idle-async",
            $"reference: async method awaiting a never-completed task ({where})",
            Tasks,
            (double)(after - before) / Tasks,
            0,
            IsReference: true);
    }

    private static async Task AwaitForever(Task never) => await never;

    private static IdleResult Parked(string id, string parkedOn, double iterator, Func<EventLoop, bool> park)
    {
        long before = LiveHeap();
        using var loop = new EventLoop(new VirtualClock());
        bool parked = park(loop);
        long after = LiveHeap();
        Check(parked, $"every task parked on {parkedOn}");
        return new IdleResult(id, parkedOn, Tasks, (double)(after - before) / Tasks, iterator);
    }

    private static IEnumerator WaitOnce(WaitCondition wait)
    {
        yield return wait;
    }

    private static IEnumerator ReadOnce(MessageChannel<int> channel)
    {
        ReadWait<int> read = channel.Read();
        yield return read;
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
