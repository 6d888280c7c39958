using System.Globalization;
using System.Text;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// Turns saved quick runs (<c>quick --save docs/benchmarks</c>) into docs/benchmarks/latest.md: the tables (median
/// over the runs of each run's figure, with every run's ratio beside it) and Mermaid charts, and copies the same
/// block into docs/performance.md between its generated-section markers. Nothing in those docs is typed by hand.
/// </summary>
/// <example>
/// <code>
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- report                 (the 3 latest runs in docs/benchmarks)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- report --last 5
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- report docs/benchmarks/quick-A.json docs/benchmarks/quick-B.json
/// </code>
/// </example>
internal static class Report
{
    public const string BeginMarker = "<!-- BEGIN GENERATED: benchmark report (tests/Scheduler.Benchmarks -- report); do not edit by hand -->";
    public const string EndMarker = "<!-- END GENERATED: benchmark report -->";

    public static int Run(string[] args)
    {
        string root = RepositoryRoot();
        string benchmarks = Path.Combine(root, "docs", "benchmarks");
        int last = 3;
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--last" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out last))
            {
                i++;
            }
            else if (File.Exists(args[i]))
            {
                files.Add(Path.GetFullPath(args[i]));
            }
            else
            {
                Console.Error.WriteLine($"usage: report [--last N] [run.json ...]; '{args[i]}' is neither");
                return 2;
            }
        }

        if (files.Count == 0)
        {
            files.AddRange(Directory.GetFiles(benchmarks, "quick-*.json").Order(StringComparer.Ordinal).TakeLast(last));
        }

        if (files.Count == 0)
        {
            Console.Error.WriteLine($"no saved runs in {benchmarks}; run: dotnet run -c Release --project tests/Scheduler.Benchmarks -- quick --save docs/benchmarks");
            return 1;
        }

        var runs = files.Select(f => (Name: Path.GetFileNameWithoutExtension(f), Record: RunRecord.FromJson(File.ReadAllText(f)))).ToList();
        string latest = Path.Combine(benchmarks, "latest.md");
        File.WriteAllText(latest, "# Benchmark report\n" + Render(runs, linkPrefix: ""));
        Console.WriteLine($"wrote {latest} from {runs.Count} run(s): {string.Join(", ", runs.Select(static r => r.Name))}");

        string performance = Path.Combine(root, "docs", "performance.md");
        if (File.Exists(performance))
        {
            string text = File.ReadAllText(performance);
            int begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
            int end = text.IndexOf(EndMarker, StringComparison.Ordinal);
            if (begin >= 0 && end > begin)
            {
                string spliced = text[..(begin + BeginMarker.Length)] + "\n" + Render(runs, linkPrefix: "benchmarks/") + text[end..];
                File.WriteAllText(performance, spliced);
                Console.WriteLine($"updated the generated section of {performance}");
            }
            else
            {
                Console.WriteLine($"{performance} has no generated-section markers; left alone");
            }
        }

        return 0;
    }

    private static string Render(List<(string Name, RunRecord Record)> runs, string linkPrefix)
    {
        var md = new StringBuilder();
        RunRecord newest = runs[^1].Record;
        md.AppendLine();
        md.AppendLine(Invariant($"Generated from {runs.Count} quick run(s); each figure is the median over the runs of that run's median. The raw output of every run is linked below."));
        md.AppendLine();
        md.AppendLine("| run | started | load at start (1, 5, 15 min) | load at end | duration |");
        md.AppendLine("|---|---|---|---|---:|");
        foreach ((string name, RunRecord record) in runs)
        {
            md.AppendLine(Invariant($"| [{name}]({linkPrefix}{name}.txt) | {record.Started} | {record.LoadAtStart.Replace(" (1, 5, 15 min)", "", StringComparison.Ordinal)} | {record.LoadAtEnd.Replace(" (1, 5, 15 min)", "", StringComparison.Ordinal)} | {record.Seconds:F0} s |"));
        }

        md.AppendLine();
        md.AppendLine("```text");
        foreach (string line in newest.Machine.Where(static l => !l.StartsWith("load:", StringComparison.Ordinal)))
        {
            md.AppendLine(line);
        }

        md.AppendLine("```");
        md.AppendLine();
        RenderComparisons(md, runs);
        RenderIdle(md, runs);
        RenderAllocations(md, runs);
        return md.ToString();
    }

    private static void RenderComparisons(StringBuilder md, List<(string Name, RunRecord Record)> runs)
    {
        List<PairRecord> newestPairs = [.. runs[^1].Record.Pairs];
        if (newestPairs.Count == 0)
        {
            return;
        }

        md.AppendLine("### Every workload beside its reference");
        md.AppendLine();
        md.AppendLine("ns/op: nanoseconds per operation (marginal where the runner subtracts a baseline run). Ratio: ours / reference, below 1 means ours is faster.");
        md.AppendLine("Met: the target on the median ratio, and 0 B/op for ours where the target says so (below 0.01 B/op counts as 0).");
        md.AppendLine();
        md.AppendLine("| workload | size | reference | ours ns/op | ref ns/op | ratio | ratio per run | target | met | ours B/op | ref B/op |");
        md.AppendLine("|---|---|---|---:|---:|---:|---|---|---|---:|---:|");
        var merged = new List<Merged>();
        foreach (PairRecord p in newestPairs)
        {
            List<PairRecord> same = [.. runs.Select(r => r.Record.Pairs.FirstOrDefault(q => q.Id == p.Id && q.Reference == p.Reference)).OfType<PairRecord>()];
            var m = new Merged(
                p,
                Stats.Median([.. same.Select(static q => q.OursNs)]),
                Stats.Median([.. same.Select(static q => q.ReferenceNs)]),
                Stats.Median([.. same.Select(static q => q.Ratio)]),
                Stats.Median([.. same.Select(static q => q.OursBytes)]),
                Stats.Median([.. same.Select(static q => q.ReferenceBytes)]),
                [.. same.Select(static q => q.Ratio)]);
            merged.Add(m);
            var target = p.ToTarget();
            string met = target.HasRatio || target.ZeroBytes ? (target.RatioMet(m.Ratio) && target.BytesMet(m.OursBytes) ? "yes" : "**no**") : "";
            md.AppendLine(Invariant(
                $"| {Cell(p.Workload)} | {p.Label} | {Cell(p.Reference)} | {m.OursNs:F1} | {m.ReferenceNs:F1} | {m.Ratio:F2} | {string.Join(" ", m.Ratios.Select(static r => r.ToString("F2", CultureInfo.InvariantCulture)))} | {Cell(p.Target)} | {met} | {m.OursBytes:F2} | {m.ReferenceBytes:F2} |"));
        }

        List<Merged> steps = [.. merged.Where(static m => m.Pair.Id.StartsWith("step-", StringComparison.Ordinal))];
        if (steps.Count > 1)
        {
            double flatness = steps.Max(static m => m.OursNs) / steps.Min(static m => m.OursNs);
            md.AppendLine();
            md.AppendLine(Invariant($"Flatness of the loop's plain-yield step across {string.Join(", ", steps.Select(static m => m.Pair.Label))}: slowest / fastest = x{flatness:F2} (target <= x{QuickRunner.MaxFlatness:F2}: {(flatness <= QuickRunner.MaxFlatness ? "met" : "**missed**")})."));
            md.AppendLine();
            md.AppendLine("```mermaid");
            md.AppendLine("xychart-beta");
            md.AppendLine("    title \"Plain-yield step, ns per step by task count (bars: EventLoop; line: the floor)\"");
            md.AppendLine(Invariant($"    x-axis [{string.Join(", ", steps.Select(static m => Quote(m.Pair.Label)))}]"));
            md.AppendLine(Invariant($"    y-axis \"ns per step\" 0 --> {Ceiling(steps.Max(static m => Math.Max(m.OursNs, m.ReferenceNs)) * 1.2)}"));
            md.AppendLine(Invariant($"    bar [{Numbers(steps.Select(static m => m.OursNs))}]"));
            md.AppendLine(Invariant($"    line [{Numbers(steps.Select(static m => m.ReferenceNs))}]"));
            md.AppendLine("```");
        }

        List<Merged> handOffs = [.. merged.Where(static m => m.Pair.Id.StartsWith("signal-", StringComparison.Ordinal))];
        if (handOffs.Count > 0)
        {
            List<IGrouping<string, Merged>> bySize = [.. handOffs.GroupBy(static m => m.Pair.Label)];
            List<string> references = [.. handOffs.Select(static m => m.Pair.Reference).Distinct()];
            md.AppendLine();
            md.AppendLine("```mermaid");
            md.AppendLine("xychart-beta");
            md.AppendLine(Invariant($"    title \"Signal hand-off, ns per hand-off by task count (bars: EventLoop; lines: {string.Join(", then ", references.Select(ShortReference))})\""));
            md.AppendLine(Invariant($"    x-axis [{string.Join(", ", bySize.Select(static g => Quote(g.Key)))}]"));
            md.AppendLine(Invariant($"    y-axis \"ns per hand-off\" 0 --> {Ceiling(handOffs.Max(static m => Math.Max(m.OursNs, m.ReferenceNs)) * 1.2)}"));
            md.AppendLine(Invariant($"    bar [{Numbers(bySize.Select(static g => g.First().OursNs))}]"));
            foreach (string reference in references)
            {
                md.AppendLine(Invariant($"    line [{Numbers(bySize.Select(g => g.First(m => m.Pair.Reference == reference).ReferenceNs))}]"));
            }

            md.AppendLine("```");
        }

        RatioChart(md, "Ours / hand-written floor (bars: measured; line: target; lower is better)", [.. merged.Where(static m => m.Pair.HasTarget && !IsUserAlternative(m.Pair))]);
        RatioChart(md, "Ours / what a .NET user would write instead (bars: measured; line: target)", [.. merged.Where(static m => m.Pair.HasTarget && IsUserAlternative(m.Pair))]);
        md.AppendLine();
    }

    private static bool IsUserAlternative(PairRecord p) =>
        p.Reference.StartsWith("async", StringComparison.Ordinal);

    private static void RatioChart(StringBuilder md, string title, List<Merged> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("```mermaid");
        md.AppendLine("xychart-beta");
        md.AppendLine(Invariant($"    title \"{title}\""));
        md.AppendLine(Invariant($"    x-axis [{string.Join(", ", rows.Select(static m => Quote(ShortLabel(m.Pair))))}]"));
        md.AppendLine(Invariant($"    y-axis \"ours / reference\" 0 --> {Ceiling(rows.Max(static m => Math.Max(m.Ratio, m.Pair.MaxRatioTarget)) * 1.15, 0.5)}"));
        md.AppendLine(Invariant($"    bar [{Numbers(rows.Select(static m => m.Ratio))}]"));
        md.AppendLine(Invariant($"    line [{Numbers(rows.Select(static m => m.Pair.MaxRatioTarget))}]"));
        md.AppendLine("```");
    }

    private static void RenderIdle(StringBuilder md, List<(string Name, RunRecord Record)> runs)
    {
        List<IdleRecord> newest = [.. runs[^1].Record.Idle];
        if (newest.Count == 0)
        {
            return;
        }

        md.AppendLine(Invariant($"### Memory per idle task ({newest[0].Tasks:N0} tasks parked)"));
        md.AppendLine();
        md.AppendLine("Live-heap growth per parked task, everything the loop keeps included; the iterator column is the task body alone. The references are async methods, each awaiting one shared task that never completes.");
        md.AppendLine();
        md.AppendLine("| parked on | bytes per task | per run | of which the iterator | the loop's share | target | met |");
        md.AppendLine("|---|---:|---|---:|---:|---|---|");
        var medians = new List<(IdleRecord Record, double Bytes)>();
        foreach (IdleRecord r in newest)
        {
            double[] perRun = [.. runs.Select(x => x.Record.Idle.FirstOrDefault(q => q.Id == r.Id)).OfType<IdleRecord>().Select(static q => q.BytesPerTask)];
            double bytes = Stats.Median(perRun);
            medians.Add((r, bytes));
            string runsText = string.Join(" ", perRun.Select(static b => b.ToString("F1", CultureInfo.InvariantCulture)));
            md.AppendLine(r.IsReference
                ? Invariant($"| {Cell(r.ParkedOn)} | {bytes:F1} | {runsText} | | | | |")
                : Invariant($"| {Cell(r.ParkedOn)} | {bytes:F1} | {runsText} | {r.IteratorBytes:F1} | {bytes - r.IteratorBytes:F1} | <= {QuickRunner.MaxIdleBytes:F0} | {(bytes <= QuickRunner.MaxIdleBytes ? "yes" : "**no**")} |"));
        }

        md.AppendLine();
        md.AppendLine("```mermaid");
        md.AppendLine("xychart-beta");
        md.AppendLine("    title \"Bytes per idle task (bars: measured; line: the 96 B target)\"");
        md.AppendLine(Invariant($"    x-axis [{string.Join(", ", medians.Select(static m => Quote(IdleLabel(m.Record))))}]"));
        md.AppendLine(Invariant($"    y-axis \"bytes per task\" 0 --> {Ceiling(medians.Max(static m => m.Bytes) * 1.15, 50)}"));
        md.AppendLine(Invariant($"    bar [{Numbers(medians.Select(static m => m.Bytes))}]"));
        md.AppendLine(Invariant($"    line [{Numbers(medians.Select(static _ => QuickRunner.MaxIdleBytes))}]"));
        md.AppendLine("```");
        md.AppendLine();
    }

    private static void RenderAllocations(StringBuilder md, List<(string Name, RunRecord Record)> runs)
    {
        IReadOnlyList<AllocationRecord> newest = runs[^1].Record.Allocations;
        if (newest.Count == 0)
        {
            return;
        }

        md.AppendLine("### Bytes allocated in steady state (newest run)");
        md.AppendLine();
        md.AppendLine("Counted with `GC.GetAllocatedBytesForCurrentThread` around `RunUntilIdle` on a loop that already ran two identical batches (worst of 3 batches; spawning not counted; below 0.01 B per operation counts as 0). The unit tests in tests/Scheduler.Tests/Performance pin the same figures deterministically.");
        md.AppendLine();
        md.AppendLine("| workload | steps | bytes | B/step | B/operation | target |");
        md.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (AllocationRecord r in newest)
        {
            string target = r.Expectation == Allocations.Zero ? (r.BytesPerOperation < Harness.Target.ZeroBytesTolerance ? "0: met" : "0: **missed**") : r.Expectation;
            md.AppendLine(Invariant($"| {Cell(r.Workload)} | {r.Steps:N0} | {r.Bytes:N0} | {r.BytesPerStep:F2} | {r.BytesPerOperation:F1} per {r.OperationName} | {target} |"));
        }

        md.AppendLine();
    }

    private static string ShortLabel(PairRecord p)
    {
        string size = p.Label.Split(' ')[0].Replace(",000,000", "M", StringComparison.Ordinal).Replace(",000", "k", StringComparison.Ordinal);
        string kind = p.Id switch
        {
            _ when p.Id.StartsWith("step-", StringComparison.Ordinal) => $"step {size}",
            _ when p.Id.StartsWith("mixed-", StringComparison.Ordinal) => "8 types",
            _ when p.Id.StartsWith("random-", StringComparison.Ordinal) => "random order",
            _ when p.Id.StartsWith("async-yield", StringComparison.Ordinal) => "Task.Yield",
            _ when p.Id.StartsWith("signal-", StringComparison.Ordinal) => $"signal {size}",
            "channel-ping-pong" => "ping-pong",
            "channel-pipeline" => "pipeline",
            _ when p.Id.StartsWith("timer-", StringComparison.Ordinal) => $"timers {size}",
            _ when p.Id.StartsWith("spawn-", StringComparison.Ordinal) => "spawn",
            _ => p.Id,
        };
        return kind;
    }

    private static string ShortReference(string reference) => reference.StartsWith("async", StringComparison.Ordinal)
        ? "SemaphoreSlim async"
        : reference.StartsWith("bare", StringComparison.Ordinal) ? "bare hand-off" : reference;

    private static string IdleLabel(IdleRecord r) => r.Id switch
    {
        "idle-sleep" => "sleep",
        "idle-signal" => "signal",
        "idle-channel" => "channel read",
        "idle-join" => "join",
        "idle-async" => "async",
        "idle-async-context" => "async + context",
        _ => r.Id,
    };

    // Table cells: "Queue<IEnumerator>" would read as an HTML tag and vanish on GitHub.
    private static string Cell(string text) => text
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal);

    // Chart labels: "1,000,000 tasks" reads "1M tasks", and no quote or comma can upset the chart syntax.
    private static string Quote(string text) => "\"" + text
        .Replace(",000,000", "M", StringComparison.Ordinal)
        .Replace(",000", "k", StringComparison.Ordinal)
        .Replace("\"", "'", StringComparison.Ordinal)
        .Replace(",", "", StringComparison.Ordinal) + "\"";

    private static string Numbers(IEnumerable<double> values) =>
        string.Join(", ", values.Select(static v => Math.Round(v, 2).ToString(CultureInfo.InvariantCulture)));

    private static string Ceiling(double value, double step = 5) =>
        (Math.Ceiling(value / step) * step).ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The repository root: the nearest directory above the working directory (or the binary) with Scheduler.sln.</summary>
    public static string RepositoryRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (a directory with Scheduler.sln) above the working directory.");
    }

    private sealed record Merged(PairRecord Pair, double OursNs, double ReferenceNs, double Ratio, double OursBytes, double ReferenceBytes, IReadOnlyList<double> Ratios);
}
