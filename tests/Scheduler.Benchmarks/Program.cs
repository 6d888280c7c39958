using System.Globalization;
using BenchmarkDotNet.Running;
using Scheduler.Benchmarks.Quick;
using Scheduler.Benchmarks.Suite;

namespace Scheduler.Benchmarks;

/// <summary>
/// Entry point. With no arguments: the quick ratio runner (about a minute). With <c>bdn</c> first: the
/// BenchmarkDotNet suite; the remaining arguments go to BenchmarkDotNet (for example <c>--filter '*'</c>).
/// </summary>
/// <example>
/// <code>
/// dotnet run -c Release --project tests/Scheduler.Benchmarks
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- bdn --filter '*'
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- bdn --filter '*Timer*'
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- quick alloc idle      (some sections only)
/// dotnet run -c Release --project tests/Scheduler.Benchmarks -- profile loop 1000 4000 3   (for profilers)
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
            return QuickRunner.Run(args.Skip(1).ToHashSet());
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

        Console.Error.WriteLine("usage: (no arguments) | quick [steps] [alloc] [idle] | bdn [BenchmarkDotNet arguments, e.g. --filter '*'] | profile loop|floor <tasks> <yields> <seconds>");
        return 2;
    }
}
