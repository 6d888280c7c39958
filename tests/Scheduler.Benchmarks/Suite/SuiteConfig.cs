using BenchmarkDotNet.Configs;

namespace Scheduler.Benchmarks.Suite;

/// <summary>The suite's configuration. Jobs and diagnosers are declared on each class ([ShortRunJob], [MemoryDiagnoser]).</summary>
internal static class SuiteConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance.WithArtifactsPath(ArtifactsPath());

    // Reports go next to the project (tests/Scheduler.Benchmarks/BenchmarkDotNet.Artifacts, git-ignored), not into
    // whatever directory `dotnet run` was started from. The binary runs from bin/<configuration>/<framework>/.
    private static string ArtifactsPath()
    {
        var project = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Parent;
        return Path.Combine(project?.FullName ?? Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
    }
}
