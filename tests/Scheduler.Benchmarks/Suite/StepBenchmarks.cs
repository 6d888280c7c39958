using System.Collections;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Cases;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Suite;

/// <summary>
/// Plain-yield steps: <see cref="EventLoop.RunUntilIdle()"/> over N tasks of K yields, against the floor (a bare
/// <see cref="Queue{T}"/> of <see cref="IEnumerator"/>) running the same iterators. Figures are per step.
/// </summary>
/// <remarks>
/// Every invocation needs fresh iterators, so each iteration is set up (untimed: spawning, then a full collection)
/// and runs one invocation of <see cref="Steps"/> steps (N·(K + 1), K chosen per N), long enough for
/// BenchmarkDotNet to time a single call. One loop serves every iteration, so its tables are already grown, as in
/// a long-running program. Unlike the quick runner, these per-step figures include the step that ends each task:
/// 1 step in K + 1 (0.5% at 100,000 tasks, negligible below).
/// </remarks>
[MemoryDiagnoser]
[ShortRunJob]
public class StepBenchmarks : IDisposable
{
    /// <summary>Steps per invocation, the same at every size so the rows compare directly.</summary>
    public const int Steps = 20_000_000;

    private EventLoop? _loop;
    private Queue<IEnumerator>? _queue;

    [Params(1, 1_000, 100_000, 1_000_000)]
    public int Tasks { get; set; }

    private int YieldsPerTask => (Steps / Tasks) - 1;

    [GlobalSetup]
    public void CreateLoop()
    {
        TierUp.Run(Catalog.Find("step-1")!.Miniatures()); // tier 1 for the drivers first: one invocation per iteration calls them too rarely
        _loop = new EventLoop(new VirtualClock());
    }

    [IterationSetup(Target = nameof(Floor))]
    public void SetUpFloor()
    {
        _queue = new Queue<IEnumerator>(Tasks);
        for (int i = 0; i < Tasks; i++)
        {
            _queue.Enqueue(Workloads.Yielder(YieldsPerTask));
        }

        Workloads.SettleHeap();
    }

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop()
    {
        for (int i = 0; i < Tasks; i++)
        {
            _loop!.Spawn(Workloads.Yielder(YieldsPerTask));
        }

        Workloads.SettleHeap();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long Floor() => Workloads.RunFloor(_queue!);

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Loop() => _loop!.RunUntilIdle();

    [GlobalCleanup]
    public void Dispose()
    {
        _loop?.Dispose();
        _loop = null;
        GC.SuppressFinalize(this);
    }
}
