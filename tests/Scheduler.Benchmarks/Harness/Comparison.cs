namespace Scheduler.Benchmarks.Harness;

/// <summary>
/// One timed run of one contender, already set up: <see cref="Run"/> does the work and returns how many operations
/// it did (steps, hand-offs, items, fires, tasks); <see cref="Cleanup"/> releases what setup made, untimed.
/// </summary>
internal sealed record Prepared(Func<long> Run, Action? Cleanup = null);

/// <summary>
/// One way to run a workload: ours (the event loop) or a reference. <see cref="Prepare"/> builds a fresh run of
/// the given size (untimed: spawning, starting async methods, filling queues).
/// </summary>
internal sealed record Contender(string Name, Func<int, Prepared> Prepare);

/// <summary>
/// A target on the ratio ours / reference (lower is better), and whether ours must allocate nothing per operation.
/// </summary>
/// <param name="Text">How the issue states it, for the report (for example "&lt;= 0.40 (2.5x faster)").</param>
/// <param name="MaxRatio">The largest ratio that meets it; <see cref="double.PositiveInfinity"/> for none.</param>
/// <param name="Strict">True when the ratio must be strictly below <paramref name="MaxRatio"/> ("faster").</param>
/// <param name="ZeroBytes">True when ours must allocate nothing per operation as well.</param>
internal sealed record Target(string Text, double MaxRatio, bool Strict = false, bool ZeroBytes = false)
{
    /// <summary>Below this many bytes per operation counts as zero: a stray runtime allocation of a few kilobytes in a window of millions of operations is not the workload's.</summary>
    public const double ZeroBytesTolerance = 0.01;

    public static Target None { get; } = new("(context)", double.PositiveInfinity);

    public bool HasRatio => !double.IsPositiveInfinity(MaxRatio);

    public bool RatioMet(double ratio) => !HasRatio || (Strict ? ratio < MaxRatio : ratio <= MaxRatio);

    public bool BytesMet(double oursBytesPerOp) => !ZeroBytes || oursBytesPerOp < ZeroBytesTolerance;
}

/// <summary>A reference to compare ours with, and the target for that pair.</summary>
internal sealed record ReferenceSpec(Contender Contender, Target Target);

/// <summary>
/// One row group of the comparison table: a workload at one size, run by ours and by each reference in the same
/// repetitions (interleaved, so machine noise hits all of them alike).
/// </summary>
internal sealed class ComparisonCase
{
    /// <summary>A stable key for reports across runs (for example <c>step-1000</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The workload, as the table names it (for example "plain-yield step").</summary>
    public required string Workload { get; init; }

    /// <summary>The size of this row (for example "1,000 tasks").</summary>
    public required string Label { get; init; }

    /// <summary>What one operation is (step, hand-off, round trip, item, fire, task).</summary>
    public required string Operation { get; init; }

    public required Contender Ours { get; init; }

    public required IReadOnlyList<ReferenceSpec> References { get; init; }

    /// <summary>The size argument of the measured runs (yields per task, laps, items...).</summary>
    public required int Size { get; init; }

    /// <summary>
    /// When set, every contender also runs at this size, and the figure is the marginal cost
    /// (T(Size) - T(BaselineSize)) / (ops(Size) - ops(BaselineSize)): what is not the operation (the step that ends
    /// each task, starting an async method, the driver call) cancels out instead of being smeared over it.
    /// </summary>
    public int? BaselineSize { get; init; }

    public int Repetitions { get; init; } = 7;

    /// <summary>
    /// Small versions of the contenders (and their size argument) that <see cref="TierUp"/> runs many times before
    /// anything is timed, so that every driver is compiled at tier 1 with a PGO profile of this workload.
    /// </summary>
    public required Func<IEnumerable<(Contender Contender, int Size)>> Miniatures { get; init; }

    /// <summary>Unrecorded repetitions run for at least this long first (tier-1 code with PGO, warm caches).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(0.4);

    /// <summary>Unrecorded repetitions at least this many times.</summary>
    public int MinWarmUpRepetitions { get; init; } = 2;
}

/// <summary>What one contender measured in a case.</summary>
/// <param name="Name">The contender.</param>
/// <param name="NsPerOp">Median marginal nanoseconds per operation.</param>
/// <param name="BytesPerOp">Median marginal bytes allocated per operation (on the measuring thread).</param>
/// <param name="NsPerOpByRepetition">The per-repetition figures (each against the median baseline).</param>
/// <param name="Operations">Operations in one measured run (marginal: the difference from the baseline run).</param>
internal sealed record ContenderResult(string Name, double NsPerOp, double BytesPerOp, IReadOnlyList<double> NsPerOpByRepetition, long Operations);

/// <summary>One row of the table: ours against one reference.</summary>
internal sealed record PairResult(ComparisonCase Case, ContenderResult Ours, ContenderResult Reference, Target Target)
{
    /// <summary>Ours / reference, of the medians: below 1 means ours is faster.</summary>
    public double Ratio => Ours.NsPerOp / Reference.NsPerOp;

    public double MinRatio => RatiosByRepetition.Min();

    public double MaxRatio => RatiosByRepetition.Max();

    public IEnumerable<double> RatiosByRepetition =>
        Ours.NsPerOpByRepetition.Zip(Reference.NsPerOpByRepetition, static (o, r) => o / r);

    public bool RatioMet => Target.RatioMet(Ratio);

    public bool BytesMet => Target.BytesMet(Ours.BytesPerOp);

    public bool Met => RatioMet && BytesMet;
}
