using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Scheduler.Benchmarks.Cases;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// The quick runner: one command, a few minutes, every row of the performance issue's table, each workload beside
/// its reference measured in the same repetitions, with its target and verdict. For distributions and a second
/// opinion, run the BenchmarkDotNet suite (<c>-- bdn</c>).
/// </summary>
internal static class QuickRunner
{
    /// <summary>The idle-memory target: bytes per parked task, iterator included.</summary>
    public const double MaxIdleBytes = 96;

    /// <summary>Flatness: the loop's cost per step may vary by at most this factor across task counts.</summary>
    public const double MaxFlatness = 1.15;

    private static readonly string[] s_sections = [.. Catalog.Sections, "alloc", "idle"];

    /// <summary>Runs the named sections (all when none is named); with <c>--save DIR</c>, also writes the output and a JSON record there.</summary>
    public static int Run(string[] args)
    {
        string? saveDirectory = null;
        var sections = new HashSet<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--save" && i + 1 < args.Length)
            {
                saveDirectory = args[++i];
            }
            else if (s_sections.Contains(args[i]))
            {
                sections.Add(args[i]);
            }
            else
            {
                Console.Error.WriteLine($"unknown argument '{args[i]}'; sections: {string.Join(", ", s_sections)}; option: --save DIR");
                return 2;
            }
        }

        bool All(string name) => sections.Count == 0 || sections.Contains(name);

        TextWriter console = Console.Out;
        using var transcript = new StringWriter(CultureInfo.InvariantCulture);
        Console.SetOut(new TeeWriter(console, transcript));
        try
        {
            RunRecord record = Measure(All);
            if (saveDirectory is not null)
            {
                Save(saveDirectory, record, transcript.ToString(), console);
            }
        }
        finally
        {
            Console.SetOut(console);
        }

        return 0;
    }

    private static RunRecord Measure(Func<string, bool> all)
    {
        var total = Stopwatch.StartNew();
        string started = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        string loadAtStart = Machine.LoadAverage();
        List<string> machine = [.. Machine.Describe()];
        Console.WriteLine("Scheduler quick benchmark: every workload beside its reference, measured in the same repetitions");
        Console.WriteLine($"started: {started}");
        machine.ForEach(Console.WriteLine);
        Console.WriteLine($"clock:   {ThreadClock.Description}");
        if (Machine.IsDebugBuild)
        {
            Console.WriteLine("WARNING: not an optimized build; run with -c Release. The figures below mean nothing.");
        }

        if (Machine.IsBusy)
        {
            Console.WriteLine("WARNING: the machine is busy (load average above the core count): timings are noisy; trust the ratios more than the ns.");
        }

        Console.WriteLine();
        var pairs = new List<PairRecord>();
        string? fireOrder = all("timer") ? TimerCases.CheckSameFireOrder() : null;
        List<ComparisonCase> cases = [.. Catalog.Sections.Where(all).SelectMany(Catalog.Section)];
        if (cases.Count > 0)
        {
            PrintComparisonHeader(fireOrder);
            string? workload = null;
            foreach (ComparisonCase c in cases)
            {
                if (c.Workload != workload)
                {
                    workload = c.Workload;
                    Console.WriteLine($"   {workload}");
                }

                List<PairRecord> results = MeasureInOwnProcess(c.Id);
                pairs.AddRange(results);
                foreach (PairRecord r in results)
                {
                    PrintPair(r);
                }
            }

            PrintDerived(pairs);
        }

        IReadOnlyList<AllocationRecord> allocations = all("alloc") ? Allocations.MeasureAll() : [];
        if (allocations.Count > 0)
        {
            PrintAllocations(allocations);
        }

        IReadOnlyList<IdleResult> idle = all("idle") ? IdleMemory.MeasureAll() : [];
        if (idle.Count > 0)
        {
            PrintIdle(idle);
        }

        string loadAtEnd = Machine.LoadAverage();
        Console.WriteLine();
        Console.WriteLine($"load at the end: {loadAtEnd}");
        Console.WriteLine($"done in {total.Elapsed.TotalSeconds:F1} s");
        return new RunRecord(
            started,
            machine,
            loadAtStart,
            loadAtEnd,
            Math.Round(total.Elapsed.TotalSeconds, 1),
            fireOrder,
            pairs,
            allocations,
            [.. idle.Select(IdleRecord.From)]);
    }

    private const string PairFormat = "   {0,-16} {1,-52} {2,9} {3,9} {4,6} {5,11}  {6,-24} {7,-4} {8,9} {9,9}";

    private static void PrintComparisonHeader(string? fireOrder)
    {
        Console.WriteLine("1. Each workload beside its reference. ns/op: median of the repetitions, on the thread's CPU time, marginal");
        Console.WriteLine("   where a baseline run is subtracted; ratio = ours / reference (below 1: ours is faster), of the medians;");
        Console.WriteLine("   range: of the per-repetition ratios. B/op: bytes allocated per operation on this thread (marginal likewise).");
        Console.WriteLine("   Every contender runs on this one thread; the async references on a one-thread SynchronizationContext.");
        if (fireOrder is not null)
        {
            Console.WriteLine($"   timer check, {fireOrder}");
        }

        Console.WriteLine();
        Console.WriteLine(Row(PairFormat, "size", "reference", "ours ns", "ref ns", "ratio", "range", "target", "", "ours B/op", "ref B/op"));
    }

    private static void PrintPair(PairRecord r) => Console.WriteLine(Row(
        PairFormat,
        r.Label,
        Shorten(r.Reference, 52),
        $"{r.OursNs:F2}",
        $"{r.ReferenceNs:F2}",
        $"{r.Ratio:F2}",
        $"{r.MinRatio:F2}-{r.MaxRatio:F2}",
        r.Target,
        r.HasTarget || r.ZeroBytes ? Verdict(r.RatioMet && r.BytesMet) : "",
        $"{r.OursBytes:F2}",
        $"{r.ReferenceBytes:F2}"));

    /// <summary>
    /// Runs one case in a fresh process (<c>case ID</c>) and reads its rows back. Every case gets a runtime of its
    /// own, as under BenchmarkDotNet: the tier-1 code and its PGO profile are that workload's alone, not shaped by
    /// the cases that ran before it, and one case's heap does not slow the next one's collections.
    /// </summary>
    private static List<PairRecord> MeasureInOwnProcess(string id)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the running executable.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(QuickRunner).Assembly.Location);
        }

        start.ArgumentList.Add("case");
        start.ArgumentList.Add(id);
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start the process for case {id}.");
        Task<string> errors = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string? result = output.Split('\n').FirstOrDefault(static line => line.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (child.ExitCode != 0 || result is null)
        {
            throw new InvalidOperationException($"Case {id} failed (exit code {child.ExitCode}):{Environment.NewLine}{output}{errors.GetAwaiter().GetResult()}");
        }

        return JsonSerializer.Deserialize<List<PairRecord>>(result[ResultPrefix.Length..]) ?? [];
    }

    /// <summary>The child side of <see cref="MeasureInOwnProcess"/>: measures one case and prints its rows as one JSON line.</summary>
    public static int RunCase(string id)
    {
        ComparisonCase c = Catalog.Find(id) ?? throw new ArgumentException($"No case '{id}'; see: profile list", nameof(id));
        IReadOnlyList<PairResult> results = Bench.Measure(c);
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(results.Select(PairRecord.From).ToList()));
        return 0;
    }

    private const string ResultPrefix = "RESULT ";

    private static void PrintDerived(List<PairRecord> pairs)
    {
        Console.WriteLine();
        double[] steps = [.. pairs.Where(static p => p.Id.StartsWith("step-", StringComparison.Ordinal)).Select(static p => p.OursNs)];
        if (steps.Length > 1)
        {
            double flatness = steps.Max() / steps.Min();
            Console.WriteLine($"   flatness of the loop's step cost across task counts (slowest / fastest): x{flatness:F2}; target <= x{MaxFlatness:F2} {Verdict(flatness <= MaxFlatness)}");
        }

        Console.WriteLine("   operations: step = one turn of one task; hand-off = one task wakes the next and parks; round trip = an item");
        Console.WriteLine("   there and back; item = one item through all stages; fire = one sleep set, fired and resumed; task = spawned,");
        Console.WriteLine("   run and finished");
        Console.WriteLine();
    }

    private static void PrintAllocations(IReadOnlyList<AllocationRecord> results)
    {
        Console.WriteLine("2. Bytes allocated in steady state (GC.GetAllocatedBytesForCurrentThread around RunUntilIdle, on a loop");
        Console.WriteLine("   that already ran two identical batches; worst of 3 batches; spawning is not counted). Target: 0 B/step;");
        Console.WriteLine($"   below {Target.ZeroBytesTolerance} B per operation counts as 0 (a one-time object per batch, such as a new writer's first write wait).");
        Console.WriteLine();
        const string Header = "   {0,-52} {1,10} {2,12} {3,9} {4,16}  {5}";
        Console.WriteLine(Row(Header, "workload", "steps", "bytes", "B/step", "B/operation", "target"));
        foreach (AllocationRecord r in results)
        {
            Console.WriteLine(Row(
                Header,
                r.Workload,
                $"{r.Steps:N0}",
                $"{r.Bytes:N0}",
                $"{r.BytesPerStep:F2}",
                $"{r.BytesPerOperation:F1}/{r.OperationName}",
                r.Expectation == Allocations.Zero ? $"0 {Verdict(r.BytesPerOperation < Target.ZeroBytesTolerance)}" : r.Expectation));
        }

        Console.WriteLine();
    }

    private static void PrintIdle(IReadOnlyList<IdleResult> results)
    {
        Console.WriteLine($"3. Bytes per idle task: {IdleMemory.Tasks:N0} tasks parked, live heap (GC.GetTotalMemory(true)) after minus before;");
        Console.WriteLine($"   iterator alone = {IdleMemory.Tasks:N0} of the same iterator objects kept alone. Target: <= {MaxIdleBytes:F0} B per task including the iterator.");
        Console.WriteLine();
        const string Header = "   {0,-86} {1,8} {2,9} {3,13}  {4}";
        Console.WriteLine(Row(Header, "parked on", "B/task", "iterator", "loop's share", "target"));
        foreach (IdleResult r in results)
        {
            Console.WriteLine(Row(
                Header,
                r.ParkedOn,
                $"{r.BytesPerTask:F1}",
                r.IsReference ? "" : $"{r.IteratorBytes:F1}",
                r.IsReference ? "" : $"{r.LoopBytes:F1}",
                r.IsReference ? "" : $"<= {MaxIdleBytes:F0} {Verdict(r.BytesPerTask <= MaxIdleBytes)}"));
        }
    }

    private static void Save(string directory, RunRecord record, string transcript, TextWriter console)
    {
        Directory.CreateDirectory(directory);
        string stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string text = Path.Combine(directory, $"quick-{stamp}.txt");
        string json = Path.Combine(directory, $"quick-{stamp}.json");
        File.WriteAllText(text, transcript);
        File.WriteAllText(json, record.ToJson());
        console.WriteLine($"saved: {text}, {json}");
    }

    private static string Shorten(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "~";

    internal static string Verdict(bool met) => met ? "ok" : "MISS";

    private static string Row(string format, params object[] cells) => string.Format(CultureInfo.InvariantCulture, format, cells);

    /// <summary>Writes to the console and keeps a transcript, so a saved run holds exactly what was printed.</summary>
    private sealed class TeeWriter(TextWriter first, TextWriter second) : TextWriter
    {
        public override System.Text.Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void WriteLine(string? value)
        {
            first.WriteLine(value);
            second.WriteLine(value);
        }

        public override void Flush()
        {
            first.Flush();
            second.Flush();
        }
    }
}
