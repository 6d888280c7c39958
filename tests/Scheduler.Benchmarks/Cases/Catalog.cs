using Scheduler.Benchmarks.Harness;

namespace Scheduler.Benchmarks.Cases;

/// <summary>Every comparison of the quick runner, by section, in the order the table lists them.</summary>
internal static class Catalog
{
    public static readonly string[] Sections = ["steps", "async", "signal", "channel", "timer", "spawn"];

    public static IEnumerable<ComparisonCase> Section(string section) => section switch
    {
        "steps" => [.. StepCases.Quick(), .. RandomOrderCases.Quick()],
        "async" => AsyncCases.YieldQuick(),
        "signal" => SignalCases.Quick(),
        "channel" => ChannelCases.Quick(),
        "timer" => TimerCases.Quick(),
        "spawn" => AsyncCases.SpawnQuick(),
        _ => throw new ArgumentException($"No section '{section}'.", nameof(section)),
    };

    public static IEnumerable<ComparisonCase> All() => Sections.SelectMany(Section);

    public static ComparisonCase? Find(string id) => All().FirstOrDefault(c => c.Id == id);
}
