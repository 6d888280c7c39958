using System.Diagnostics;
using Scheduler.Benchmarks.Quick;

namespace Scheduler.Benchmarks.Harness;

/// <summary>
/// Measures a <see cref="ComparisonCase"/>: ours and every reference, in the same repetitions, on the thread's CPU
/// time (<see cref="ThreadClock"/>).
/// </summary>
/// <remarks>
/// <para>Each timed run starts from a fresh setup (untimed), then a settled heap (<see cref="Workloads.SettleHeap"/>),
/// so no collection of setup garbage falls inside it. The contenders take turns inside each repetition, and the
/// order flips from one repetition to the next (ABBA), so drift and noise hit all of them alike.</para>
/// <para>Warm-up: unrecorded repetitions run first, for a while, so every contender is measured at tier 1 with
/// tiered PGO (as in a long-running program), with caches and tables at their steady state for this size.</para>
/// <para>Allocations are counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/> around the same runs;
/// everything measured runs on this thread (the async references run on a one-thread context, never on the pool).</para>
/// </remarks>
internal static class Bench
{
    public static IReadOnlyList<PairResult> Measure(ComparisonCase c)
    {
        TierUp.Run(c.Miniatures());
        Contender[] contenders = [c.Ours, .. c.References.Select(static r => r.Contender)];
        var clock = Stopwatch.StartNew();
        int warmed = 0;
        while (warmed < c.MinWarmUpRepetitions || clock.Elapsed < c.WarmUp)
        {
            RunRepetition(c, contenders, warmed, samples: null);
            warmed++;
        }

        var samples = new Sample[contenders.Length][];
        for (int i = 0; i < contenders.Length; i++)
        {
            samples[i] = new Sample[c.Repetitions];
        }

        for (int r = 0; r < c.Repetitions; r++)
        {
            RunRepetition(c, contenders, r, samples);
        }

        ContenderResult[] results = [.. contenders.Select((contender, i) => Summarize(contender.Name, samples[i]))];
        return [.. c.References.Select((reference, i) => new PairResult(c, results[0], results[i + 1], reference.Target))];
    }

    private static void RunRepetition(ComparisonCase c, Contender[] contenders, int repetition, Sample[][]? samples)
    {
        int n = contenders.Length;
        bool forward = repetition % 2 == 0;
        var full = new Timed[n];
        var baseline = new Timed[n];
        for (int k = 0; k < n; k++)
        {
            int i = forward ? k : n - 1 - k;
            full[i] = TimeOnce(contenders[i], c.Size);
        }

        if (c.BaselineSize is int baselineSize)
        {
            for (int k = 0; k < n; k++)
            {
                int i = forward ? n - 1 - k : k; // the mirror order: A B | B A
                baseline[i] = TimeOnce(contenders[i], baselineSize);
            }
        }

        if (samples is not null)
        {
            for (int i = 0; i < n; i++)
            {
                samples[i][repetition] = new Sample(full[i], baseline[i]);
            }
        }
    }

    private static Timed TimeOnce(Contender contender, int size)
    {
        Prepared prepared = contender.Prepare(size);
        try
        {
            Workloads.SettleHeap();
            long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            long start = ThreadClock.NowNanoseconds();
            long operations = prepared.Run();
            long elapsed = ThreadClock.NowNanoseconds() - start;
            long bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
            return new Timed(elapsed, bytes, operations);
        }
        finally
        {
            prepared.Cleanup?.Invoke();
        }
    }

    private static ContenderResult Summarize(string name, Sample[] samples)
    {
        double baseNs = Stats.Median(samples.Select(static s => (double)s.Baseline.Nanoseconds).ToArray());
        double baseBytes = Stats.Median(samples.Select(static s => (double)s.Baseline.Bytes).ToArray());
        double baseOps = Stats.Median(samples.Select(static s => (double)s.Baseline.Operations).ToArray());
        double[] nsPerOp = [.. samples.Select(s => (s.Full.Nanoseconds - baseNs) / (s.Full.Operations - baseOps))];
        double[] bytesPerOp = [.. samples.Select(s => (s.Full.Bytes - baseBytes) / (s.Full.Operations - baseOps))];
        long operations = (long)Stats.Median(samples.Select(s => s.Full.Operations - baseOps).ToArray());
        return new ContenderResult(name, Stats.Median(nsPerOp), Math.Max(0, Stats.Median(bytesPerOp)), nsPerOp, operations);
    }

    private readonly record struct Timed(long Nanoseconds, long Bytes, long Operations);

    private readonly record struct Sample(Timed Full, Timed Baseline);
}
