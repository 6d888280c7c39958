using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Scheduler.Benchmarks.Quick;

/// <summary>The facts a reader needs to compare figures from two machines or two builds.</summary>
internal static class Machine
{
    public static IEnumerable<string> Describe()
    {
        yield return $"machine: {Environment.ProcessorCount} logical cores, {CpuModel()}, {RuntimeInformation.ProcessArchitecture}";
        yield return $"os:      {RuntimeInformation.OSDescription}";
        yield return $"runtime: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, " +
            $"tiered compilation {Switch("System.Runtime.TieredCompilation", "DOTNET_TieredCompilation")}, " +
            $"tiered PGO {Switch("System.Runtime.TieredPGO", "DOTNET_TieredPGO")}";
        yield return $"build:   benchmarks {Optimization(typeof(Machine).Assembly)}, Scheduler {Optimization(typeof(EventLoop).Assembly)}";
        yield return $"load:    {LoadAverage()}";
    }

    /// <summary>The 1-minute load average is above the core count: other processes compete for the cores.</summary>
    public static bool IsBusy => ReadLoadAverage() is { } load && load > Environment.ProcessorCount;

    /// <summary>The load averages (1, 5, 15 minutes) where the OS publishes them (Linux), for the record.</summary>
    public static string LoadAverage()
    {
        string[]? fields = ReadLoadFields();
        return fields is null ? "unknown" : $"{fields[0]} {fields[1]} {fields[2]} (1, 5, 15 min)";
    }

    private static double? ReadLoadAverage() =>
        ReadLoadFields() is { } fields && double.TryParse(fields[0], CultureInfo.InvariantCulture, out double load) ? load : null;

    private static string[]? ReadLoadFields()
    {
        const string LoadAvg = "/proc/loadavg";
        if (!File.Exists(LoadAvg))
        {
            return null;
        }

        string[] fields = File.ReadAllText(LoadAvg).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 3 ? fields : null;
    }

    /// <summary>True when either assembly was compiled without optimizations: the figures would mean nothing.</summary>
    public static bool IsDebugBuild =>
        IsJitOptimizerDisabled(typeof(Machine).Assembly) || IsJitOptimizerDisabled(typeof(EventLoop).Assembly);

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (File.Exists(CpuInfo))
        {
            string? model = File.ReadLines(CpuInfo)
                .FirstOrDefault(static line => line.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim();
            if (!string.IsNullOrEmpty(model))
            {
                return model;
            }
        }

        return "cpu model unknown";
    }

    // The runtime reads the environment variable first, then the runtimeconfig switch; the default is on.
    private static string Switch(string runtimeConfigName, string environmentName)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(environmentName);
        if (fromEnvironment is not null)
        {
            return fromEnvironment == "0" ? "off" : "on";
        }

        return AppContext.TryGetSwitch(runtimeConfigName, out bool enabled) && !enabled ? "off" : "on";
    }

    private static string Optimization(Assembly assembly) =>
        IsJitOptimizerDisabled(assembly) ? "DEBUG (not optimized)" : "optimized";

    private static bool IsJitOptimizerDisabled(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled ?? false;
}
