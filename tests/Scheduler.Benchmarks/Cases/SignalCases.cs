using System.Collections;
using Scheduler.Benchmarks.Harness;
using Scheduler.Benchmarks.References;

namespace Scheduler.Benchmarks.Cases;

/// <summary>
/// Signal hand-off: N tasks in a ring, each waiting on its own auto-reset signal; a task that wakes sets the next
/// one's signal and waits again, so exactly one task runs at a time and every operation is one wake-up, one step
/// and one park. Against the same ring of async methods on <see cref="SemaphoreSlim.WaitAsync()"/> (one-thread
/// context) and against a bare iterator hand-off (<see cref="BareLoop"/>).
/// </summary>
/// <remarks>
/// Setup (untimed) starts every task and lets it park, then sets the first signal; the timed run is the hand-offs
/// alone, <see cref="HandOffs"/> of them at every size (laps = hand-offs / N). After its last lap a task parks for
/// good instead of ending (in the same step), so the timed run holds hand-offs and nothing else: how much ending a
/// task costs is the spawn row's business.
/// </remarks>
internal static class SignalCases
{
    public const int HandOffs = 200_000;

    public static IEnumerable<ComparisonCase> Quick()
    {
        foreach (int tasks in new[] { 2, 1_000, 100_000 })
        {
            int laps = HandOffs / tasks;
            yield return new ComparisonCase
            {
                Id = $"signal-{tasks}",
                Workload = "signal hand-off (each wakes the next and parks)",
                Label = $"{tasks:N0} tasks",
                Operation = "hand-off",
                Ours = Loop(tasks),
                References =
                [
                    new ReferenceSpec(SemaphoreSlimAsync(tasks), new Target(">= 10x faster (<= 0.10)", 0.1, ZeroBytes: true)),
                    new ReferenceSpec(Bare(tasks), new Target("<= 1.50", 1.5, ZeroBytes: true)),
                ],
                Size = laps,
                Repetitions = 7,
                Miniatures = static () => [(Loop(2), 8), (SemaphoreSlimAsync(2), 8), (Bare(2), 8)],
            };
        }
    }

    public static Contender Loop(int tasks) => new("EventLoop: Signal", laps =>
    {
        var loop = new EventLoop(new VirtualClock());
        var signals = new Signal[tasks];
        for (int i = 0; i < tasks; i++)
        {
            signals[i] = new Signal(loop, autoReset: true);
        }

        for (int i = 0; i < tasks; i++)
        {
            loop.Spawn(Ring(signals[i], signals[(i + 1) % tasks], laps));
        }

        loop.Tick(); // every task parks on its signal
        signals[0].Set();
        return new Prepared(() => StepCases.Check(loop.RunUntilIdle(), (long)tasks * laps, "loop"), loop.Dispose);
    });

    public static Contender SemaphoreSlimAsync(int tasks) => new("async: SemaphoreSlim.WaitAsync, one-thread context", laps =>
    {
        var context = new OneThreadContext();
        var semaphores = new SemaphoreSlim[tasks];
        for (int i = 0; i < tasks; i++)
        {
            semaphores[i] = new SemaphoreSlim(0);
        }

        var never = new TaskCompletionSource();
        using (context.Enter())
        {
            for (int i = 0; i < tasks; i++)
            {
                _ = RingAsync(semaphores[i], semaphores[(i + 1) % tasks], laps, never.Task);
            }
        }

        semaphores[0].Release(); // posts the first waiter's continuation to the context
        return new Prepared(
            () =>
            {
                long handOffs = context.RunUntilEmpty();
                return StepCases.Check(handOffs, (long)tasks * laps, "async ring");
            },
            () =>
            {
                foreach (SemaphoreSlim semaphore in semaphores)
                {
                    semaphore.Dispose();
                }
            });
    });

    public static Contender Bare(int tasks) => new("bare iterator hand-off", laps =>
    {
        var bare = new BareLoop(tasks);
        var signals = new BareSignal[tasks];
        for (int i = 0; i < tasks; i++)
        {
            signals[i] = new BareSignal(bare);
        }

        for (int i = 0; i < tasks; i++)
        {
            IEnumerator task = BareRing(signals[i], signals[(i + 1) % tasks], laps);
            task.MoveNext(); // yields its signal
            signals[i].ParkForSetup(task);
        }

        signals[0].Set();
        return new Prepared(() => StepCases.Check(bare.Run(), (long)tasks * laps, "bare ring"));
    });

    private static IEnumerator Ring(Signal mine, Signal next, int laps)
    {
        for (int lap = 0; lap < laps; lap++)
        {
            yield return mine.Wait();
            next.Set();
        }

        yield return Wait.Forever;
    }

    private static async Task RingAsync(SemaphoreSlim mine, SemaphoreSlim next, int laps, Task never)
    {
        for (int lap = 0; lap < laps; lap++)
        {
            await mine.WaitAsync();
            next.Release();
        }

        await never;
    }

    private static IEnumerator BareRing(BareSignal mine, BareSignal next, int laps)
    {
        for (int lap = 0; lap < laps; lap++)
        {
            yield return mine;
            next.Set();
        }

        yield return BareLoop.Forever;
    }
}
