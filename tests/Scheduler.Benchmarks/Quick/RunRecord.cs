using System.Text.Json;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Quick;

/// <summary>One row of the comparison table, as saved for the report (ours against one reference).</summary>
internal sealed record PairRecord(
    string Id,
    string Workload,
    string Label,
    string Operation,
    string Ours,
    string Reference,
    double OursNs,
    double ReferenceNs,
    double Ratio,
    double MinRatio,
    double MaxRatio,
    double OursBytes,
    double ReferenceBytes,
    string Target,
    bool HasTarget,
    double MaxRatioTarget,
    bool Strict,
    bool ZeroBytes,
    bool RatioMet,
    bool BytesMet)
{
    public static PairRecord From(PairResult r) => new(
        r.Case.Id,
        r.Case.Workload,
        r.Case.Label,
        r.Case.Operation,
        r.Ours.Name,
        r.Reference.Name,
        r.Ours.NsPerOp,
        r.Reference.NsPerOp,
        r.Ratio,
        r.MinRatio,
        r.MaxRatio,
        r.Ours.BytesPerOp,
        r.Reference.BytesPerOp,
        r.Target.Text,
        r.Target.HasRatio,
        r.Target.HasRatio ? r.Target.MaxRatio : 0,
        r.Target.Strict,
        r.Target.ZeroBytes,
        r.RatioMet,
        r.BytesMet);

    public Target ToTarget() => new(Target, HasTarget ? MaxRatioTarget : double.PositiveInfinity, Strict, ZeroBytes);
}

/// <summary>One steady-state allocation workload, as saved.</summary>
internal sealed record AllocationRecord(string Workload, long Steps, long Bytes, long Operations, string OperationName, string Expectation)
{
    public double BytesPerStep => (double)Bytes / Steps;

    public double BytesPerOperation => (double)Bytes / Operations;
}

/// <summary>One idle-memory workload, as saved.</summary>
internal sealed record IdleRecord(string Id, string ParkedOn, int Tasks, double BytesPerTask, double IteratorBytes, bool IsReference)
{
    public static IdleRecord From(IdleResult r) => new(r.Id, r.ParkedOn, r.Tasks, r.BytesPerTask, r.IteratorBytes, r.IsReference);
}

/// <summary>Everything one quick run measured: what <c>report</c> turns into docs/benchmarks/latest.md.</summary>
internal sealed record RunRecord(
    string Started,
    IReadOnlyList<string> Machine,
    string LoadAtStart,
    string LoadAtEnd,
    double Seconds,
    string? FireOrder,
    IReadOnlyList<PairRecord> Pairs,
    IReadOnlyList<AllocationRecord> Allocations,
    IReadOnlyList<IdleRecord> Idle)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static RunRecord FromJson(string json) =>
        JsonSerializer.Deserialize<RunRecord>(json, s_json) ?? throw new InvalidDataException("Empty run record.");
}
