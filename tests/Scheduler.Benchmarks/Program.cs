using System.Globalization;
using BenchmarkDotNet.Running;
using Scheduler.Benchmarks.Quick;
using Scheduler.Benchmarks.Suite;

namespace Scheduler.Benchmarks;

/// <summary>
/// Entry point. With no arguments: the quick runner (every case beside its references, two to four minutes). With <c>bdn</c> first: the
/// BenchmarkDotNet suite; the remaining arguments go to BenchmarkDotNet (for example <c>--filter '*'</c>).
/// </summary>
/// <example>
/// <code>
/// dotnet run -c Release --project tests/Scheduler.Benchmarks
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- bdn --filter '*'
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- bdn --filter '*Timer*'
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- quick alloc idle      (some sections only)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- quick --save docs/benchmarks   (keep the output and a JSON record)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- report                 (docs/benchmarks/latest.md and docs/performance.md from the saved runs)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- profile signal-1000 0 5   (for profilers; profile list)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- experiment            (the layout experiments)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- watchdog 1000 30000 21  (the watchdog overhead)
/// </code>
/// </example>
public static class Program
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture; // 1,000 and 6.25 on every machine

        if (args.Length == 0 || args[0] == "quick")
        {
            return QuickRunner.Run(args.Length == 0 ? [] : args[1..]);
        }

        if (args[0] == "case" && args.Length == 2)
        {
            return QuickRunner.RunCase(args[1]); // one case in this process; the quick runner starts one per case
        }

        if (args[0] == "report")
        {
            return Report.Run(args[1..]);
        }

        if (args[0] == "watchdog")
        {
            return WatchdogOverhead.Run(args[1..]); // docs/watchdog-and-metrics.md
        }

        if (args[0] == "experiment")
        {
            Experiments.TimerHeapExperiment.Run();
            Experiments.ReadyOrderExperiment.Run();
            return 0;
        }

        if (args[0] == "profile")
        {
            return Profile.Run(args[1..]);
        }

        if (args[0] == "bdn")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..], SuiteConfig.Create());
            return 0;
        }

        Console.Error.WriteLine("usage: (no arguments) | quick [steps|async|signal|channel|timer|spawn|alloc|idle ...] [--save DIR] | report [--last N] [run.json ...] | bdn [BenchmarkDotNet arguments, e.g. --filter *] | profile list | profile <case id> <contender> <seconds> | experiment | watchdog [tasks yields repetitions]");
        return 2;
    }
}
