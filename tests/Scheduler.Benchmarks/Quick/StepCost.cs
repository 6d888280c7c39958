using System.Collections;
using System.Diagnostics;

namespace Scheduler.Benchmarks.Quick;

/// <summary>One row of the step-cost table: how many tasks run, and what else the loop holds while they do.</summary>
internal sealed class StepCase(string label, int tasks, int yields) : IDisposable
{
    private EventLoop? _shared;

    public string Label { get; } = label;

    /// <summary>Tasks that run the plain-yield body.</summary>
    public int Tasks { get; } = tasks;

    /// <summary>Yields per task (K): one driver call covers K + 1 rounds.</summary>
    public int Yields { get; } = yields;

    /// <summary>Makes the loop for one timed run; by default a fresh loop on a virtual clock (no clock reads).</summary>
    public Func<EventLoop> CreateLoop { get; init; } = static () => new EventLoop(new VirtualClock());

    /// <summary>Steps the loop runs besides the plain tasks (for example a sleeper parking in round 1).</summary>
    public int ExtraSteps { get; init; }

    /// <summary>Keep one loop for every run (its parked tasks are built once) instead of a fresh loop per run.</summary>
    public bool ShareLoop { get; init; }

    public EventLoop AcquireLoop() => ShareLoop ? _shared ??= CreateLoop() : CreateLoop();

    public void ReleaseLoop(EventLoop loop)
    {
        if (!ReferenceEquals(loop, _shared))
        {
            loop.Dispose();
        }
    }

    public void Dispose()
    {
        _shared?.Dispose();
        _shared = null;
    }
}

/// <summary>What one row measured.</summary>
internal sealed record StepResult(
    StepCase Case,
    int Repetitions,
    double LoopNsPerStep,
    double FloorNsPerStep,
    double MinRatio,
    double MaxRatio,
    double BestRatio,
    double LoopNsPerTaskEnd,
    double FloorNsPerTaskEnd)
{
    public double Ratio => LoopNsPerStep / FloorNsPerStep;
}

/// <summary>
/// Measures the loop's cost per plain-yield step against the floor (a bare <see cref="Queue{T}"/> of
/// <see cref="IEnumerator"/>) running the same task bodies.
/// </summary>
/// <remarks>
/// <para>Method. Every timed run starts from fresh tasks (setup untimed, then <see cref="Workloads.SettleHeap"/>).
/// The loop is driven by one <see cref="EventLoop.RunUntilIdle()"/> call over N tasks that each yield K times; the
/// floor runs the same N iterators to their end. Each repetition times four runs, loop and floor with K yields
/// and with 0 yields, in ABBA order (loop first on even repetitions, floor first on odd ones) so drift and noise
/// hit both alike. The figure per step is the marginal one,
/// (median T(K) − median T(0)) / (N·K): the K = 0 run holds everything that is not a plain-yield step (the step
/// that ends each task, the driver call itself), so it is subtracted instead of being smeared over the yields.
/// What it cost is printed alongside as "end ns/task".</para>
/// <para>Timing. Each run is timed on <see cref="ThreadClock"/> (the thread's CPU time where available), so time
/// the thread spent waiting for a core on a busy machine is not counted against either contender.</para>
/// <para>Warm-up. Tiered compilation first runs unoptimized code with instrumentation, then (after 30 calls and a
/// 100 ms quiet period) recompiles hot methods at tier 1 with profile-guided optimization. Both contenders are
/// called many times with a small workload, then each row runs unrecorded repetitions for a while before the
/// recorded ones, so both are measured at tier 1 with PGO, as in a long-running program.</para>
/// </remarks>
internal static class StepCost
{
    /// <summary>Calls both drivers often enough, on small work, that tiering promotes them (and their callees).</summary>
    public static void WarmUpJit(TimeSpan atLeast)
    {
        var clock = Stopwatch.StartNew();
        using var probe = new StepCase("warm-up", 16, 256);
        int calls = 0;
        while (calls < 200 || clock.Elapsed < atLeast)
        {
            TimeLoop(probe, probe.Yields, settle: false);
            TimeFloor(probe.Tasks, probe.Yields, settle: false);
            calls++;
        }
    }

    public static StepResult Measure(StepCase row, int repetitions, TimeSpan warmUp)
    {
        // Unrecorded repetitions at the row's own size: caches, branch predictors and the heap reach their
        // steady state for this size, and any late tier-1 recompilation happens here rather than in a sample.
        var clock = Stopwatch.StartNew();
        int warmed = 0;
        while (warmed < 2 || clock.Elapsed < warmUp)
        {
            RunRepetition(row, warmed, null);
            warmed++;
        }

        var samples = new Samples();
        for (int r = 0; r < repetitions; r++)
        {
            RunRepetition(row, r, samples);
        }

        double loopEnd = Stats.Median(samples.LoopEnd);
        double floorEnd = Stats.Median(samples.FloorEnd);
        double marginalSteps = (double)row.Tasks * row.Yields;
        double loopNs = (Stats.Median(samples.LoopFull) - loopEnd) / marginalSteps;
        double floorNs = (Stats.Median(samples.FloorFull) - floorEnd) / marginalSteps;

        // Per-repetition ratios (each against the medians of the K = 0 runs) show how noisy the machine was.
        var ratios = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            ratios.Add((samples.LoopFull[r] - loopEnd) / (samples.FloorFull[r] - floorEnd));
        }

        // The ratio of the fastest repetitions: on a busy machine noise only ever adds time, so the minima are
        // the closest either contender came to running undisturbed.
        double best = (samples.LoopFull.Min() - loopEnd) / (samples.FloorFull.Min() - floorEnd);

        return new StepResult(
            row,
            repetitions,
            loopNs,
            floorNs,
            ratios.Min(),
            ratios.Max(),
            best,
            loopEnd / row.Tasks,
            floorEnd / row.Tasks);
    }

    private static void RunRepetition(StepCase row, int index, Samples? samples)
    {
        long loopFull, floorFull, loopEnd, floorEnd;
        if (index % 2 == 0)
        {
            loopFull = TimeLoop(row, row.Yields, settle: true);
            floorFull = TimeFloor(row.Tasks, row.Yields, settle: true);
            floorEnd = TimeFloor(row.Tasks, 0, settle: true);
            loopEnd = TimeLoop(row, 0, settle: true);
        }
        else
        {
            floorFull = TimeFloor(row.Tasks, row.Yields, settle: true);
            loopFull = TimeLoop(row, row.Yields, settle: true);
            loopEnd = TimeLoop(row, 0, settle: true);
            floorEnd = TimeFloor(row.Tasks, 0, settle: true);
        }

        samples?.Add(loopFull, floorFull, loopEnd, floorEnd);
    }

    /// <summary>Spawns the row's tasks (untimed), then times one <see cref="EventLoop.RunUntilIdle()"/>, in nanoseconds.</summary>
    private static long TimeLoop(StepCase row, int yields, bool settle)
    {
        EventLoop loop = row.AcquireLoop();
        try
        {
            for (int i = 0; i < row.Tasks; i++)
            {
                loop.Spawn(Workloads.Yielder(yields));
            }

            if (settle)
            {
                Workloads.SettleHeap();
            }

            long start = ThreadClock.NowNanoseconds();
            long steps = loop.RunUntilIdle();
            long elapsed = ThreadClock.NowNanoseconds() - start;
            Check(steps, ((long)yields + 1) * row.Tasks + row.ExtraSteps, "loop");
            return elapsed;
        }
        finally
        {
            row.ReleaseLoop(loop);
        }
    }

    /// <summary>Queues the same iterators (untimed), then times the floor running them to their end, in nanoseconds.</summary>
    private static long TimeFloor(int tasks, int yields, bool settle)
    {
        var queue = new Queue<IEnumerator>(tasks); // sized up front: the timed run never grows it
        for (int i = 0; i < tasks; i++)
        {
            queue.Enqueue(Workloads.Yielder(yields));
        }

        if (settle)
        {
            Workloads.SettleHeap();
        }

        long start = ThreadClock.NowNanoseconds();
        long steps = Workloads.RunFloor(queue);
        long elapsed = ThreadClock.NowNanoseconds() - start;
        Check(steps, ((long)yields + 1) * tasks, "floor");
        return elapsed;
    }

    // A benchmark that silently did less work than it claims would report nonsense; fail loudly instead.
    private static void Check(long actual, long expected, string who)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"The {who} ran {actual} steps; the workload has {expected}.");
        }
    }

    private sealed class Samples
    {
        public List<long> LoopFull { get; } = [];

        public List<long> FloorFull { get; } = [];

        public List<long> LoopEnd { get; } = [];

        public List<long> FloorEnd { get; } = [];

        public void Add(long loopFull, long floorFull, long loopEnd, long floorEnd)
        {
            LoopFull.Add(loopFull);
            FloorFull.Add(floorFull);
            LoopEnd.Add(loopEnd);
            FloorEnd.Add(floorEnd);
        }
    }
}
