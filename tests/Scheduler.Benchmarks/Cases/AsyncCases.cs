using System.Collections;
using Scheduler.Benchmarks.Harness;
using Scheduler.Benchmarks.References;

namespace Scheduler.Benchmarks.Cases;

/// <summary>
/// The loop against what a .NET user would write instead on one thread: <c>async</c> methods on a one-thread
/// <see cref="SynchronizationContext"/> (<see cref="OneThreadContext"/>), never the thread pool.
/// </summary>
internal static class AsyncCases
{
    public const string AsyncYieldName = "async: await Task.Yield(), one-thread context";

    public static IEnumerable<ComparisonCase> YieldQuick()
    {
        yield return new ComparisonCase
        {
            Id = "async-yield-1000",
            Workload = "plain-yield step vs async await Task.Yield()",
            Label = "1,000 tasks",
            Operation = "step",
            Ours = StepCases.Loop(1_000, static (_, k) => Workloads.Yielder(k)),
            References = [new ReferenceSpec(AsyncYield(1_000), new Target(">= 2.5x faster (<= 0.40)", 0.4))],
            Size = 1_000,
            BaselineSize = 0,
            Miniatures = static () => [(StepCases.Loop(2, static (_, k) => Workloads.Yielder(k)), 16), (AsyncYield(2), 16)],
        };
    }

    public static IEnumerable<ComparisonCase> SpawnQuick()
    {
        const int Tasks = 100_000;
        yield return new ComparisonCase
        {
            Id = "spawn-yield-once",
            Workload = "spawn + finish a task (it suspends once)",
            Label = "100,000 tasks",
            Operation = "task",
            Ours = SpawnOnceLoop(Tasks),
            References = [new ReferenceSpec(SpawnOnceAsync(Tasks), new Target("faster (< 1.00)", 1.0, Strict: true))],
            Size = 0,
            Miniatures = static () => [(SpawnOnceLoop(16), 0), (SpawnOnceAsync(16), 0)],
        };
        yield return new ComparisonCase
        {
            Id = "spawn-end-at-once",
            Workload = "spawn + finish a task (it ends in its first step)",
            Label = "100,000 tasks",
            Operation = "task",
            Ours = SpawnEndLoop(Tasks),
            References = [new ReferenceSpec(SpawnEndAsync(Tasks), Target.None)],
            Size = 0,
            Miniatures = static () => [(SpawnEndLoop(16), 0), (SpawnEndAsync(16), 0)],
        };
    }

    /// <summary>Spawn <paramref name="tasks"/> coroutines that yield once, and run them to their end.</summary>
    public static Contender SpawnOnceLoop(int tasks) => SpawnAndRun(tasks, static () => YieldOnce(), "EventLoop: Spawn, one yield, end");

    /// <summary>Start <paramref name="tasks"/> async methods that await <see cref="Task.Yield"/> once, and pump them to their end.</summary>
    public static Contender SpawnOnceAsync(int tasks) => StartAsync(tasks, static () => YieldOnceAsync(), "async method: one await Task.Yield()");

    /// <summary>Spawn <paramref name="tasks"/> coroutines that end in their first step, and run them.</summary>
    public static Contender SpawnEndLoop(int tasks) => SpawnAndRun(tasks, static () => EndAtOnce(), "EventLoop: Spawn, end in the first step");

    /// <summary>Start <paramref name="tasks"/> async methods that complete synchronously (no suspension, no box).</summary>
    public static Contender SpawnEndAsync(int tasks) => StartAsync(tasks, static () => CompleteAtOnceAsync(), "async method that completes synchronously");

    /// <summary><paramref name="tasks"/> async methods of <c>yields</c> awaits of <see cref="Task.Yield"/>; operations: starts plus resumptions, like the loop's steps.</summary>
    public static Contender AsyncYield(int tasks) => new(AsyncYieldName, yields =>
    {
        var context = new OneThreadContext(tasks);
        var running = new Task[tasks];
        return new Prepared(() =>
        {
            using (context.Enter())
            {
                for (int i = 0; i < tasks; i++)
                {
                    running[i] = YieldAsync(yields);
                }
            }

            long resumed = context.RunUntilEmpty();
            CheckAllCompleted(running);
            return StepCases.Check(resumed + tasks, ((long)yields + 1) * tasks, "async tasks");
        });
    });

    /// <summary>Spawns <paramref name="tasks"/> coroutines and runs them to their end, all timed; the loop has run one such batch before.</summary>
    public static Contender SpawnAndRun(int tasks, Func<IEnumerator> body, string name) => new(name, _ =>
    {
        var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < tasks; i++)
        {
            loop.Spawn(body());
        }

        loop.RunUntilIdle(); // the ready queue and the registry have grown to this size once, as in a long-running program
        return new Prepared(
            () =>
            {
                for (int i = 0; i < tasks; i++)
                {
                    loop.Spawn(body());
                }

                loop.RunUntilIdle();
                return tasks;
            },
            loop.Dispose);
    });

    /// <summary>Starts <paramref name="tasks"/> async methods on the one-thread context and pumps it until they have finished, all timed.</summary>
    public static Contender StartAsync(int tasks, Func<Task> body, string name) => new(name, _ =>
    {
        var context = new OneThreadContext(tasks); // sized up front, as the loop's queue was grown by an untimed batch
        var running = new Task[tasks];
        return new Prepared(() =>
        {
            using (context.Enter())
            {
                for (int i = 0; i < tasks; i++)
                {
                    running[i] = body();
                }
            }

            context.RunUntilEmpty();
            CheckAllCompleted(running);
            return tasks;
        });
    });

    public static void CheckAllCompleted(Task[] tasks)
    {
        foreach (Task task in tasks)
        {
            if (!task.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException($"An async reference did not complete: {task.Status}.");
            }
        }
    }

    private static async Task YieldAsync(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            await Task.Yield();
        }
    }

    private static IEnumerator YieldOnce()
    {
        yield return null;
    }

    private static async Task YieldOnceAsync() => await Task.Yield();

#pragma warning disable CS1998 // the point: an async method that never suspends (no state machine box)
    private static async Task CompleteAtOnceAsync()
    {
    }
#pragma warning restore CS1998

    private static IEnumerator EndAtOnce()
    {
        yield break;
    }
}
