using System.Diagnostics;
using System.Globalization;
using Scheduler.Benchmarks.Cases;
using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// Runs one contender of one case of the quick runner again and again for a while, with nothing else in the
/// process: a target for a sampling profiler, callgrind, or <c>DOTNET_JitDisasm</c> to read the tier-1 code.
/// </summary>
/// <example>
/// <code>
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- profile list
/// DOTNET_PerfMapEnabled=1 perf record -e cpu-clock -g -o /tmp/perf.data \
///   dotnet tests/Scheduler.Benchmarks/bin/Release/net10.0/Scheduler.Benchmarks.dll profile signal-1000 0 5
/// DOTNET_JitDisasm='RunSteps' DOTNET_JitStdOutFile=/tmp/hot.asm \
///   dotnet tests/Scheduler.Benchmarks/bin/Release/net10.0/Scheduler.Benchmarks.dll profile step-1000 0 3
/// </code>
/// Contender 0 is ours, 1 the first reference, and so on. Under callgrind, compare two runs that differ only in
/// seconds (or use 0 for exactly one run after the warm-up): the warm-up cancels out.
/// </example>
internal static class Profile
{
    public static int Run(string[] args)
    {
        List<ComparisonCase> cases = [.. Catalog.All()];
        if (args.Length == 1 && args[0] == "list")
        {
            foreach (ComparisonCase c in cases)
            {
                Console.WriteLine($"{c.Id}: 0 = {c.Ours.Name}; {string.Join("; ", c.References.Select((r, i) => $"{i + 1} = {r.Contender.Name}"))}");
            }

            return 0;
        }

        if (args.Length != 3 || cases.FirstOrDefault(c => c.Id == args[0]) is not { } chosen
            || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int index) || index < 0 || index > chosen.References.Count
            || !double.TryParse(args[2], CultureInfo.InvariantCulture, out double seconds) || seconds < 0)
        {
            Console.Error.WriteLine("usage: profile list | profile <case id> <contender: 0 = ours, 1.. = references> <seconds, 0 = one run after the warm-up>");
            return 2;
        }

        Contender contender = index == 0 ? chosen.Ours : chosen.References[index - 1].Contender;

        // Reach tier 1 (with PGO) before the runs that count, then pause for the background compiler.
        TierUp.Run(chosen.Miniatures());
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.Elapsed < TimeSpan.FromSeconds(1); i++)
        {
            RunOnce(contender, chosen.Size);
        }

        Thread.Sleep(500);
        var clock = Stopwatch.StartNew();
        long runs = 0, operations = 0, nanoseconds = 0;
        do
        {
            Prepared prepared = contender.Prepare(chosen.Size);
            long start = ThreadClock.NowNanoseconds();
            operations += prepared.Run();
            nanoseconds += ThreadClock.NowNanoseconds() - start;
            prepared.Cleanup?.Invoke();
            runs++;
        }
        while (clock.Elapsed.TotalSeconds < seconds);

        Console.WriteLine($"{chosen.Id} / {contender.Name}: {runs} runs, {operations:N0} operations, {(double)nanoseconds / operations:F2} ns per operation (run time only)");
        return 0;
    }

    private static void RunOnce(Contender contender, int size)
    {
        Prepared prepared = contender.Prepare(size);
        prepared.Run();
        prepared.Cleanup?.Invoke();
    }
}
