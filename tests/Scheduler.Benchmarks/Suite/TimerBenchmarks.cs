using System.Collections;
using BenchmarkDotNet.Attributes;
using Scheduler.Benchmarks.Cases;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Suite;

/// <summary>
/// Timer steps: N tasks that each write <c>yield return Wait.For(d)</c> fresh in every iteration, on a
/// <see cref="VirtualClock"/> with auto-advance (the loop jumps to the next deadline when idle), against the same
/// loop running plain yields. Figures are per step; the allocation column should read zero.
/// </summary>
/// <remarks>
/// Durations cycle through ten values (1 to 10 ms), so the timer heap orders distinct deadlines, not one shared
/// deadline. Each iteration spawns fresh tasks (untimed) and runs one invocation of <see cref="Steps"/> steps. One
/// loop serves every iteration, and a first batch runs in the global setup, so the timer heap has already grown to
/// N entries: the allocation column shows the steady state, not the heap's growth.
/// </remarks>
[MemoryDiagnoser]
[ShortRunJob]
public class TimerBenchmarks : IDisposable
{
    /// <summary>Steps per invocation (N·(K + 1)), the same at every size.</summary>
    public const int Steps = 4_000_000;

    private EventLoop? _loop;

    [Params(1, 1_000, 100_000)]
    public int Tasks { get; set; }

    private int YieldsPerTask => (Steps / Tasks) - 1;

    [GlobalSetup]
    public void CreateLoop()
    {
        TierUp.Run([.. Catalog.Find("step-1")!.Miniatures(), .. Catalog.Find("timer-1000")!.Miniatures()]); // tier 1 for the drivers first: one invocation per iteration calls them too rarely
        _loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        Spawn(Sleeper, yields: 2);
        _loop.RunUntilIdle();
    }

    [IterationSetup(Target = nameof(PlainYield))]
    public void SetUpPlain() => Spawn(static (yields, _) => Workloads.Yielder(yields), YieldsPerTask);

    [IterationSetup(Target = nameof(WaitFor))]
    public void SetUpWaitFor() => Spawn(Sleeper, YieldsPerTask);

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public long PlainYield() => _loop!.RunUntilIdle();

    [Benchmark(OperationsPerInvoke = Steps)]
    public long WaitFor() => _loop!.RunUntilIdle();

    [GlobalCleanup]
    public void Dispose()
    {
        _loop?.Dispose();
        _loop = null;
        GC.SuppressFinalize(this);
    }

    private static IEnumerator Sleeper(int sleeps, int index) =>
        Workloads.Sleeper(TimeSpan.FromMilliseconds(1 + (index % 10)), sleeps);

    private void Spawn(Func<int, int, IEnumerator> body, int yields)
    {
        for (int i = 0; i < Tasks; i++)
        {
            _loop!.Spawn(body(yields, i));
        }

        Workloads.SettleHeap();
    }
}
