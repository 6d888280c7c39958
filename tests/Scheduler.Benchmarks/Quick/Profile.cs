using System.Collections;
using System.Diagnostics;
using System.Globalization;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// Runs one workload again and again for a while, with nothing else in the process: a target for a profiler or
/// for <c>DOTNET_JitDisasm</c>, to read the tier-1 code of the hot path.
/// </summary>
/// <example>
/// <code>
/// DOTNET_JitDisasm='RunRound RunStep Advance RunFloor' DOTNET_JitStdOutFile=/tmp/hot.asm \
///   dotnet run -c Release --project tests/Scheduler.Benchmarks -- profile loop 1000 4000 3
/// </code>
/// A sampling profiler (perf with DOTNET_PerfMapEnabled=1) works on it too. Callgrind is a poor fit: under valgrind the runtime's
/// tiering and PGO make different code than in a normal run, so the counts describe another program.
/// </example>
internal static class Profile
{
    public static int Run(string[] args)
    {
        if (args.Length != 4 || args[0] is not ("loop" or "floor")
            || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int tasks) || tasks < 1
            || !int.TryParse(args[2], CultureInfo.InvariantCulture, out int yields) || yields < 0
            || !double.TryParse(args[3], CultureInfo.InvariantCulture, out double seconds) || seconds < 0)
        {
            Console.Error.WriteLine("usage: profile loop|floor <tasks> <yields per task> <seconds, 0 = one run>");
            return 2;
        }

        bool loop = args[0] == "loop";

        // Reach tier 1 (with PGO) before the runs that count: many small calls, then a pause for the background
        // compiler. Under callgrind, compare two runs that differ only in yields: the warm-up cancels out.
        for (int i = 0; i < 100; i++)
        {
            _ = loop ? RunLoop(16, 64) : RunFloor(16, 64);
        }

        Thread.Sleep(500);
        var clock = Stopwatch.StartNew();
        long runs = 0, steps = 0;
        do
        {
            steps += loop ? RunLoop(tasks, yields) : RunFloor(tasks, yields);
            runs++;
        }
        while (clock.Elapsed.TotalSeconds < seconds);

        Console.WriteLine($"{args[0]}: {runs} runs, {steps:N0} steps, {clock.Elapsed.TotalMilliseconds * 1e6 / steps:F2} ns/step (setup included)");
        return 0;
    }

    private static long RunLoop(int tasks, int yields)
    {
        using var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < tasks; i++)
        {
            loop.Spawn(Workloads.Yielder(yields));
        }

        return loop.RunUntilIdle();
    }

    private static long RunFloor(int tasks, int yields)
    {
        var queue = new Queue<IEnumerator>(tasks);
        for (int i = 0; i < tasks; i++)
        {
            queue.Enqueue(Workloads.Yielder(yields));
        }

        return Workloads.RunFloor(queue);
    }
}
