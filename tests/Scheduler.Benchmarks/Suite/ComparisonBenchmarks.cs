using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Cases;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Suite;

#pragma warning disable CA1822 // BenchmarkDotNet calls setup methods on the benchmark instance

// The comparison table, one class per row: the same workloads as the quick runner (Cases/*), each contender
// prepared untimed in an iteration setup and run once per iteration, so BenchmarkDotNet times exactly what the quick
// runner times. Figures are per operation (OperationsPerInvoke); the Ratio column is against the Baseline (the
// reference the target names). The global setup first brings every contender's code to tier 1 (Harness/TierUp.cs):
// with one invocation per iteration, BenchmarkDotNet's own warm-up calls a driver too few times for that. Unlike the quick runner, these figures are not marginal: a run that ends its
// tasks includes those endings (1 step in K + 1).

/// <summary>Plain-yield steps of 1,000 tasks of eight iterator types, against the floor over the same mix.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class MixedTypeBenchmarks
{
    private const int Tasks = 1_000;
    private const int Yields = 3_999;
    private const int Steps = Tasks * (Yields + 1);
    private readonly PreparedRuns _runs = new();

    [IterationSetup(Target = nameof(Floor))]
    public void SetUpFloor() => _runs.Prepare(StepCases.Floor(Tasks, Workloads.MixedYielder), Yields);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(StepCases.Loop(Tasks, Workloads.MixedYielder), Yields);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("mixed-1000")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long Floor() => _runs.Run();

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Loop() => _runs.Run();
}

/// <summary>Plain-yield steps of 100,000 tasks in the order their random timers left them, against the floor in that order.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RandomOrderBenchmarks
{
    private const int Tasks = 100_000;
    private const int Steps = Tasks * 40;
    private static readonly int[] s_delays = RandomOrderCases.RandomDelays(Tasks, seed: 6);
    private static readonly int[] s_order = RandomOrderCases.FiredOrder(s_delays);
    private readonly PreparedRuns _runs = new();

    [IterationSetup(Target = nameof(Floor))]
    public void SetUpFloor() => _runs.Prepare(RandomOrderCases.Floor(s_delays, s_order, "floor"), Steps / Tasks);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(RandomOrderCases.Loop(s_delays), Steps / Tasks);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("random-100000")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long Floor() => _runs.Run();

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Loop() => _runs.Run();
}

/// <summary>Plain-yield steps against async methods awaiting Task.Yield() on a one-thread SynchronizationContext.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class AsyncYieldBenchmarks
{
    private const int Tasks = 1_000;
    private const int Yields = 999;
    private const int Steps = Tasks * (Yields + 1);
    private readonly PreparedRuns _runs = new();

    [IterationSetup(Target = nameof(AsyncYield))]
    public void SetUpAsync() => _runs.Prepare(AsyncCases.AsyncYield(Tasks), Yields);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(StepCases.Loop(Tasks, static (_, k) => Workloads.Yielder(k)), Yields);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("async-yield-1000")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long AsyncYield() => _runs.Run();

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Loop() => _runs.Run();
}

/// <summary>Signal hand-off rings against SemaphoreSlim.WaitAsync rings (one-thread context) and a bare iterator hand-off.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SignalHandOffBenchmarks
{
    private readonly PreparedRuns _runs = new();

    [Params(2, 1_000, 100_000)]
    public int Tasks { get; set; }

    private int Laps => SignalCases.HandOffs / Tasks;

    [IterationSetup(Target = nameof(Bare))]
    public void SetUpBare() => _runs.Prepare(SignalCases.Bare(Tasks), Laps);

    [IterationSetup(Target = nameof(SemaphoreSlimAsync))]
    public void SetUpAsync() => _runs.Prepare(SignalCases.SemaphoreSlimAsync(Tasks), Laps);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(SignalCases.Loop(Tasks), Laps);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("signal-1000")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = SignalCases.HandOffs)]
    public long Bare() => _runs.Run();

    [Benchmark(OperationsPerInvoke = SignalCases.HandOffs)]
    public long SemaphoreSlimAsync() => _runs.Run();

    [Benchmark(OperationsPerInvoke = SignalCases.HandOffs)]
    public long Loop() => _runs.Run();
}

/// <summary>Channel ping-pong (unbounded) against System.Threading.Channels with async/await on one thread.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ChannelPingPongBenchmarks
{
    private readonly PreparedRuns _runs = new();

    [IterationSetup(Target = nameof(ChannelsAsync))]
    public void SetUpAsync() => _runs.Prepare(ChannelCases.PingPongAsync(), ChannelCases.RoundTrips);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(ChannelCases.PingPongLoop(), ChannelCases.RoundTrips);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("channel-ping-pong")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = ChannelCases.RoundTrips)]
    public long ChannelsAsync() => _runs.Run();

    [Benchmark(OperationsPerInvoke = ChannelCases.RoundTrips)]
    public long Loop() => _runs.Run();
}

/// <summary>A 3-stage bounded pipeline against System.Threading.Channels with async/await on one thread.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ChannelPipelineBenchmarks
{
    private readonly PreparedRuns _runs = new();

    [IterationSetup(Target = nameof(ChannelsAsync))]
    public void SetUpAsync() => _runs.Prepare(ChannelCases.PipelineAsync(), ChannelCases.Items);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(ChannelCases.PipelineLoop(), ChannelCases.Items);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("channel-pipeline")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = ChannelCases.Items)]
    public long ChannelsAsync() => _runs.Run();

    [Benchmark(OperationsPerInvoke = ChannelCases.Items)]
    public long Loop() => _runs.Run();
}

/// <summary>Timer fires with random deadlines against a PriorityQueue scheduler with FIFO ties, both on a virtual clock.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class TimerFireBenchmarks
{
    private readonly PreparedRuns _runs = new();

    [Params(1_000, 100_000)]
    public int Tasks { get; set; }

    private int Laps => TimerCases.Fires / Tasks;

    [IterationSetup(Target = nameof(PriorityQueue))]
    public void SetUpReference() => _runs.Prepare(TimerCases.Reference(Tasks), Laps);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(TimerCases.Loop(Tasks), Laps);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("timer-1000")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = TimerCases.Fires)]
    public long PriorityQueue() => _runs.Run();

    [Benchmark(OperationsPerInvoke = TimerCases.Fires)]
    public long Loop() => _runs.Run();
}

/// <summary>Spawn and finish a task that suspends once, against starting an async method that awaits Task.Yield() once.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SpawnBenchmarks
{
    private const int Tasks = 100_000;
    private readonly PreparedRuns _runs = new();

    [IterationSetup(Target = nameof(AsyncStart))]
    public void SetUpAsync() => _runs.Prepare(AsyncCases.SpawnOnceAsync(Tasks), 0);

    [IterationSetup(Target = nameof(Loop))]
    public void SetUpLoop() => _runs.Prepare(AsyncCases.SpawnOnceLoop(Tasks), 0);

    [GlobalSetup]
    public void GlobalSetup() => TierUp.Run(Catalog.Find("spawn-yield-once")!.Miniatures());

    [IterationCleanup]
    public void CleanUp() => _runs.Cleanup();

    [Benchmark(Baseline = true, OperationsPerInvoke = Tasks)]
    public long AsyncStart() => _runs.Run();

    [Benchmark(OperationsPerInvoke = Tasks)]
    public long Loop() => _runs.Run();
}
