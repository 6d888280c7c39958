using System.Diagnostics;
using System.Globalization;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// The quick ratio runner: one run, about a minute, prints every figure the issue asks for beside its target.
/// For distributions and a second opinion, run the BenchmarkDotNet suite (<c>-- bdn</c>).
/// </summary>
internal static class QuickRunner
{
    // Targets from the issue (the event-loop issue, "Speed and memory").
    private const double MaxRatio = 1.0;
    private const double MaxIdleBytes = 96;

    private const int Repetitions = 11;
    private static readonly TimeSpan s_jitWarmUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_rowWarmUp = TimeSpan.FromSeconds(0.5);

    /// <summary>Runs the sections named in <paramref name="sections"/> (steps, alloc, idle), or all when it is empty.</summary>
    public static int Run(IReadOnlySet<string> sections)
    {
        string[] known = ["steps", "alloc", "idle"];
        if (sections.Except(known).FirstOrDefault() is { } unknown)
        {
            Console.Error.WriteLine($"unknown section '{unknown}'; sections: {string.Join(", ", known)}");
            return 2;
        }

        bool All(string name) => sections.Count == 0 || sections.Contains(name);

        var total = Stopwatch.StartNew();
        Console.WriteLine("Scheduler quick benchmark (EventLoop vs a bare Queue<IEnumerator> floor)");
        foreach (string line in Machine.Describe())
        {
            Console.WriteLine(line);
        }

        if (Machine.IsDebugBuild)
        {
            Console.WriteLine("WARNING: not an optimized build; run with -c Release. The figures below mean nothing.");
        }

        if (Machine.IsBusy)
        {
            Console.WriteLine("WARNING: the machine is busy (load average above the core count): timings are noisy; trust the ratios more than the ns.");
        }

        Console.WriteLine();
        if (All("steps"))
        {
            StepCost.WarmUpJit(s_jitWarmUp);
            PrintSteps(MeasureTargetRows(), MeasureContextRows());
        }

        if (All("alloc"))
        {
            PrintAllocations(Allocations.MeasureAll());
        }

        if (All("idle"))
        {
            PrintIdle(IdleMemory.MeasureAll());
        }

        Console.WriteLine();
        Console.WriteLine($"load at the end: {Machine.LoadAverage()}");
        Console.WriteLine($"done in {total.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    // The rows the targets apply to: plain tasks alone, at 1, 1,000 and 100,000. K shrinks as N grows so a
    // timed run stays around 4 to 10 million steps (a few tens of milliseconds).
    private static List<StepResult> MeasureTargetRows()
    {
        var results = new List<StepResult>();
        foreach ((int tasks, int yields) in new[] { (1, 4_000_000), (1_000, 4_000), (100_000, 100) })
        {
            using var row = new StepCase($"{tasks:N0}", tasks, yields);
            results.Add(StepCost.Measure(row, Repetitions, s_rowWarmUp));
        }

        return results;
    }

    // Context rows, no target of their own: one running task while other tasks sleep. Parked tasks should cost
    // nothing per round: with one timer or a million the cost is the same, and any difference from the 1-task row
    // is what having a timer pending costs each round (the loop asks the clock whether it is due).
    private static List<StepResult> MeasureContextRows()
    {
        var results = new List<StepResult>();
        using (var withTimer = new StepCase("1 + 1 timer parked, virtual clock", 1, 1_000_000)
        {
            CreateLoop = static () => LoopWithSleepers(new VirtualClock(), 1),
            ExtraSteps = 1, // the sleeper's first step, in which it parks
        })
        {
            results.Add(StepCost.Measure(withTimer, Repetitions, s_rowWarmUp));
        }

        // Built once and shared by every timed run: a million sleepers take a second to spawn.
        using (var withMillion = new StepCase("1 + 1,000,000 timers parked, virtual", 1, 1_000_000)
        {
            CreateLoop = static () =>
            {
                EventLoop loop = LoopWithSleepers(new VirtualClock(), 1_000_000);
                loop.RunUntilIdle(); // every sleeper parks
                return loop;
            },
            ShareLoop = true,
        })
        {
            results.Add(StepCost.Measure(withMillion, Repetitions, s_rowWarmUp));
        }

        using (var withRealTimer = new StepCase("1 + 1 timer parked, system clock", 1, 1_000_000)
        {
            CreateLoop = static () => LoopWithSleepers(TimeProvider.System, 1),
            ExtraSteps = 1,
        })
        {
            results.Add(StepCost.Measure(withRealTimer, Repetitions, s_rowWarmUp));
        }

        return results;
    }

    private static EventLoop LoopWithSleepers(TimeProvider clock, int sleepers)
    {
        var loop = new EventLoop(clock);
        for (int i = 0; i < sleepers; i++)
        {
            loop.Spawn(Workloads.SleepOnce(TimeSpan.FromHours(1)));
        }

        return loop;
    }

    private static void PrintSteps(List<StepResult> targetRows, List<StepResult> contextRows)
    {
        Console.WriteLine("1. Cost per plain-yield step (yield return null), loop = RunUntilIdle over N tasks of K yields,");
        Console.WriteLine($"   floor = the same iterators through a bare Queue<IEnumerator>. Median of {Repetitions} interleaved repetitions,");
        Console.WriteLine("   marginal cost (T(K) - T(0)) / (N*K), both at tier 1 with PGO. Target: loop/floor <= 1.00 at every size.");
        Console.WriteLine($"   T measured on the {ThreadClock.Description}.");
        Console.WriteLine();
        const string Header = "   {0,-38} {1,10} {2,8} {3,9} {4,6} {5,10} {6,5}  {7,-12} {8,15}";
        Console.WriteLine(Row(Header, "tasks", "K/task", "loop ns", "floor ns", "ratio", "range", "best", "target", "end ns/task l | f"));
        foreach (StepResult r in targetRows)
        {
            PrintStepRow(Header, r, $"<= {MaxRatio:F2} {Verdict(r.Ratio <= MaxRatio)}");
        }

        Console.WriteLine("   context (no target; compare with the 1-task row):");
        foreach (StepResult r in contextRows)
        {
            PrintStepRow(Header, r, "");
        }

        StepResult smallest = targetRows[0];
        StepResult largest = targetRows[^1];
        double loopGrowth = largest.LoopNsPerStep / smallest.LoopNsPerStep;
        double floorGrowth = largest.FloorNsPerStep / smallest.FloorNsPerStep;
        Console.WriteLine();
        Console.WriteLine($"   flatness, 100,000 tasks vs 1: loop x{loopGrowth:F2}, floor x{floorGrowth:F2}; target: flat (ratio <= {MaxRatio:F2} at every size)");
        Console.WriteLine($"   parked tasks, 1,000,000 timers vs 1: loop x{contextRows[1].LoopNsPerStep / contextRows[0].LoopNsPerStep:F2}; target: parked tasks cost nothing per round (x1.00)");
        Console.WriteLine("   ratio: of the medians; range: of the per-repetition ratios; best: of the fastest repetitions (least disturbed)");
        Console.WriteLine("   end ns/task: the K = 0 run per task, loop | floor: the step that ends a task, plus fixed costs (the driver");
        Console.WriteLine("   call, the clock reads) spread over N; subtracted from the K run above");
        Console.WriteLine();
    }

    private static void PrintStepRow(string format, StepResult r, string target) =>
        Console.WriteLine(Row(
            format,
            r.Case.Label,
            $"{r.Case.Yields:N0}",
            $"{r.LoopNsPerStep:F2}",
            $"{r.FloorNsPerStep:F2}",
            $"{r.Ratio:F2}",
            $"{r.MinRatio:F2}-{r.MaxRatio:F2}",
            $"{r.BestRatio:F2}",
            target,
            $"{r.LoopNsPerTaskEnd:F0} | {r.FloorNsPerTaskEnd:F0}"));

    private static void PrintAllocations(IReadOnlyList<AllocationResult> results)
    {
        Console.WriteLine("2. Bytes allocated in steady state (GC.GetAllocatedBytesForCurrentThread around RunUntilIdle, on a loop");
        Console.WriteLine("   that already ran one identical batch; worst of 3 batches; spawning is not counted). Target: 0 B/step.");
        Console.WriteLine();
        const string Header = "   {0,-50} {1,10} {2,12} {3,9} {4,14}  {5}";
        Console.WriteLine(Row(Header, "workload", "steps", "bytes", "B/step", "B/operation", "target"));
        foreach (AllocationResult r in results)
        {
            Console.WriteLine(Row(
                Header,
                r.Workload,
                $"{r.Steps:N0}",
                $"{r.Bytes:N0}",
                $"{r.BytesPerStep:F2}",
                $"{r.BytesPerOperation:F1}/{r.OperationName}",
                $"0 {Verdict(r.Bytes == 0)}"));
        }

        Console.WriteLine();
    }

    private static void PrintIdle(IReadOnlyList<IdleResult> results)
    {
        Console.WriteLine($"3. Bytes per idle task: {IdleMemory.Tasks:N0} tasks parked, live heap (GC.GetTotalMemory(true)) after minus before;");
        Console.WriteLine($"   iterator alone = {IdleMemory.Tasks:N0} of the same iterator objects kept alone. Target: <= {MaxIdleBytes:F0} B per task including the iterator.");
        Console.WriteLine();
        const string Header = "   {0,-30} {1,10} {2,10} {3,15}  {4}";
        Console.WriteLine(Row(Header, "parked on", "B/task", "iterator", "loop's share", "target"));
        foreach (IdleResult r in results)
        {
            Console.WriteLine(Row(
                Header,
                r.ParkedOn,
                $"{r.BytesPerTask:F1}",
                $"{r.IteratorBytes:F1}",
                $"{r.LoopBytes:F1}",
                $"<= {MaxIdleBytes:F0} {Verdict(r.BytesPerTask <= MaxIdleBytes)}"));
        }
    }

    private static string Verdict(bool met) => met ? "ok" : "MISS";

    private static string Row(string format, params object[] cells) => string.Format(CultureInfo.InvariantCulture, format, cells);
}
