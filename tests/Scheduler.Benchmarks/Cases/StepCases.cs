using System.Collections;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Cases;

/// <summary>
/// Plain-yield steps (<c>yield return null</c>): N tasks of K yields through <see cref="EventLoop.RunUntilIdle()"/>,
/// against the floor, a bare <see cref="Queue{T}"/> of <see cref="IEnumerator"/> running the same iterator objects.
/// </summary>
internal static class StepCases
{
    public const string FloorName = "Queue<IEnumerator> floor";

    public static IEnumerable<ComparisonCase> Quick()
    {
        // K shrinks as N grows, so a timed run stays at about 4 million steps (tens of milliseconds). At a million
        // tasks the baseline keeps 2 yields, so that the step that ends each task (a registry removal that misses the
        // cache, 1 in K + 1) is in both runs and its noise cancels instead of landing on 4 steps.
        foreach ((int tasks, int yields, int baseline, int repetitions) in new[] { (1, 4_000_000, 0, 9), (1_000, 4_000, 0, 9), (100_000, 40, 0, 7), (1_000_000, 12, 2, 5) })
        {
            yield return new ComparisonCase
            {
                Id = $"step-{tasks}",
                Workload = "plain-yield step, one iterator type",
                Label = $"{tasks:N0} task{(tasks == 1 ? "" : "s")}",
                Operation = "step",
                Ours = Loop(tasks, static (_, k) => Workloads.Yielder(k)),
                References = [new ReferenceSpec(Floor(tasks, static (_, k) => Workloads.Yielder(k)), new Target("<= 1.00 (stretch 0.75)", 1.0, ZeroBytes: true))],
                Size = yields,
                BaselineSize = baseline,
                Repetitions = repetitions,
                MinWarmUpRepetitions = tasks >= 1_000_000 ? 1 : 2,
                Miniatures = static () => [(Loop(2, static (_, k) => Workloads.Yielder(k)), 16), (Floor(2, static (_, k) => Workloads.Yielder(k)), 16)],
            };
        }

        yield return new ComparisonCase
        {
            Id = "mixed-1000",
            Workload = "plain-yield step, 8 iterator types mixed",
            Label = "1,000 tasks",
            Operation = "step",
            Ours = Loop(1_000, Workloads.MixedYielder),
            References =
            [
                new ReferenceSpec(Floor(1_000, Workloads.MixedYielder, "floor, 8 types mixed"), new Target("<= 1.10", 1.1, ZeroBytes: true)),
                new ReferenceSpec(FloorReadingCurrent(1_000, Workloads.MixedYielder, "floor that also reads Current, 8 types"), Target.None),
            ],
            Size = 4_000,
            BaselineSize = 0,
            Miniatures = static () =>
            [
                (Loop(8, Workloads.MixedYielder), 16),
                (Floor(8, Workloads.MixedYielder), 16),
                (FloorReadingCurrent(8, Workloads.MixedYielder, "floor reading Current"), 16),
            ],
        };
    }

    /// <summary>The event loop running <paramref name="tasks"/> tasks made by <paramref name="body"/>(index, yields).</summary>
    public static Contender Loop(int tasks, Func<int, int, IEnumerator> body) => new("EventLoop", yields =>
    {
        var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < tasks; i++)
        {
            loop.Spawn(body(i, yields));
        }

        return new Prepared(() => Check(loop.RunUntilIdle(), ((long)yields + 1) * tasks, "loop"), loop.Dispose);
    });

    /// <summary>The floor running the same iterators.</summary>
    public static Contender Floor(int tasks, Func<int, int, IEnumerator> body, string name = FloorName) => new(name, yields =>
    {
        var queue = new Queue<IEnumerator>(tasks); // sized up front: the timed run never grows it
        for (int i = 0; i < tasks; i++)
        {
            queue.Enqueue(body(i, yields));
        }

        return new Prepared(() => Check(Workloads.RunFloor(queue), ((long)yields + 1) * tasks, "floor"));
    });

    /// <summary>
    /// The floor plus the one thing any scheduler must do with a step's outcome: read what the task yielded
    /// (<see cref="IEnumerator.Current"/>, a second interface call per step). Context for the mixed-types row.
    /// </summary>
    public static Contender FloorReadingCurrent(int tasks, Func<int, int, IEnumerator> body, string name) => new(name, yields =>
    {
        var queue = new Queue<IEnumerator>(tasks);
        for (int i = 0; i < tasks; i++)
        {
            queue.Enqueue(body(i, yields));
        }

        return new Prepared(() => Check(Workloads.RunFloorReadingCurrent(queue), ((long)yields + 1) * tasks, "floor"));
    });

    /// <summary>A benchmark that silently did less work than it claims would report nonsense; fail loudly instead.</summary>
    public static long Check(long actual, long expected, string who) => actual == expected
        ? actual
        : throw new InvalidOperationException($"The {who} ran {actual} operations; the workload has {expected}.");
}
