namespace Scheduler.Benchmarks.Quick;

/// <summary>Small helpers for turning repeated timings into one robust figure.</summary>
internal static class Stats
{
    /// <summary>The median: one slow repetition (a context switch, another process) does not move it.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        double[] sorted = [.. values];
        Array.Sort(sorted);
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static double Median(IReadOnlyList<long> values) => Median(values.Select(static v => (double)v).ToArray());
}
