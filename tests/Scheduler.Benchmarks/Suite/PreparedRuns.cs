using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Suite;

/// <summary>
/// Glue between the workloads (<see cref="Contender"/>s, shared with the quick runner) and BenchmarkDotNet: an
/// iteration setup prepares one run (untimed) and settles the heap, the benchmark method runs it once, and the
/// iteration cleanup releases it.
/// </summary>
internal sealed class PreparedRuns
{
    private Prepared? _prepared;

    public void Prepare(Contender contender, int size)
    {
        Cleanup();
        _prepared = contender.Prepare(size);
        Workloads.SettleHeap();
    }

    public long Run() => (_prepared ?? throw new InvalidOperationException("No run was prepared.")).Run();

    public void Cleanup()
    {
        _prepared?.Cleanup?.Invoke();
        _prepared = null;
    }
}
