using System.Text;

namespace Scheduler.Testing;

/// <summary>
/// A line diff of an expected trace against the actual one, for failure messages: the longest common
/// subsequence of lines, shown like a unified diff (<c>-</c> expected only, <c>+</c> actual only) with three
/// lines of context around each change.
/// </summary>
internal static class TraceDiff
{
    private const int Context = 3;

    // Above this many cells the quadratic table is not worth it: the middle is shown as removed, then added.
    private const long MaxTableCells = 4_000_000;

    private const int MaxActualLinesShown = 200;

    /// <summary>Normalizes an expected trace: each line trimmed, blank lines dropped, so it can be indented and grouped freely.</summary>
    public static string[] NormalizeExpected(string expected) =>
        expected.ReplaceLineEndings("\n").Split('\n').Select(static l => l.Trim()).Where(static l => l.Length > 0).ToArray();

    /// <summary>The failure message when the lines differ, or null when they are equal.</summary>
    public static string? Describe(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        List<(char Op, string Line)> edits = Compute(expected, actual);
        int firstChange = edits.FindIndex(static e => e.Op != ' ');
        if (firstChange < 0)
        {
            return null;
        }

        int missing = edits.Count(static e => e.Op == '-');
        int extra = edits.Count(static e => e.Op == '+');
        int expectedLine = edits.Take(firstChange).Count(static e => e.Op != '+') + 1;

        var text = new StringBuilder();
        text.Append("The trace differs from the expected one, first at expected line ").Append(expectedLine)
            .Append(": ").Append(Plural(missing, "expected line")).Append(" missing, ")
            .Append(Plural(extra, "unexpected line")).Append(" (- expected, + actual).").Append('\n');
        AppendHunks(text, edits);
        text.Append('\n').Append("Actual trace (").Append(Plural(actual.Count, "line"))
            .Append("; paste it as the expected trace if it is right):");
        foreach (string line in actual.Take(MaxActualLinesShown))
        {
            text.Append('\n').Append(line);
        }

        if (actual.Count > MaxActualLinesShown)
        {
            text.Append('\n').Append("... ").Append(actual.Count - MaxActualLinesShown).Append(" more");
        }

        return text.ToString();
    }

    /// <summary>The edit script: ' ' a common line, '-' a line only expected, '+' a line only actual, in order.</summary>
    public static List<(char Op, string Line)> Compute(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        int prefix = 0;
        while (prefix < expected.Count && prefix < actual.Count && expected[prefix] == actual[prefix])
        {
            prefix++;
        }

        int suffix = 0;
        while (suffix < expected.Count - prefix && suffix < actual.Count - prefix
            && expected[expected.Count - 1 - suffix] == actual[actual.Count - 1 - suffix])
        {
            suffix++;
        }

        var edits = new List<(char, string)>(expected.Count + actual.Count);
        for (int i = 0; i < prefix; i++)
        {
            edits.Add((' ', expected[i]));
        }

        int n = expected.Count - prefix - suffix;
        int m = actual.Count - prefix - suffix;
        if ((long)(n + 1) * (m + 1) > MaxTableCells)
        {
            for (int i = 0; i < n; i++)
            {
                edits.Add(('-', expected[prefix + i]));
            }

            for (int j = 0; j < m; j++)
            {
                edits.Add(('+', actual[prefix + j]));
            }
        }
        else
        {
            AppendMiddle(edits, expected, actual, prefix, n, m);
        }

        for (int i = expected.Count - suffix; i < expected.Count; i++)
        {
            edits.Add((' ', expected[i]));
        }

        return edits;
    }

    // lcs[i, j]: the longest common subsequence of expected[i..n) and actual[j..m) (offset by prefix); walking
    // it from the front puts removals before additions within a change, as unified diffs do.
    private static void AppendMiddle(List<(char, string)> edits, IReadOnlyList<string> expected, IReadOnlyList<string> actual, int prefix, int n, int m)
    {
        int[,] lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
        {
            for (int j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = expected[prefix + i] == actual[prefix + j]
                    ? lcs[i + 1, j + 1] + 1
                    : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        int a = 0;
        int b = 0;
        while (a < n || b < m)
        {
            if (a < n && b < m && expected[prefix + a] == actual[prefix + b])
            {
                edits.Add((' ', expected[prefix + a]));
                a++;
                b++;
            }
            else if (b == m || (a < n && lcs[a + 1, b] >= lcs[a, b + 1]))
            {
                edits.Add(('-', expected[prefix + a]));
                a++;
            }
            else
            {
                edits.Add(('+', actual[prefix + b]));
                b++;
            }
        }
    }

    private static void AppendHunks(StringBuilder text, List<(char Op, string Line)> edits)
    {
        var shown = new bool[edits.Count];
        for (int i = 0; i < edits.Count; i++)
        {
            if (edits[i].Op != ' ')
            {
                for (int k = Math.Max(0, i - Context); k <= Math.Min(edits.Count - 1, i + Context); k++)
                {
                    shown[k] = true;
                }
            }
        }

        // Eliding a single line saves nothing: show it.
        for (int i = 1; i < edits.Count - 1; i++)
        {
            if (!shown[i] && shown[i - 1] && shown[i + 1])
            {
                shown[i] = true;
            }
        }

        if (edits.Count > 1 && !shown[^1] && shown[^2])
        {
            shown[^1] = true;
        }

        if (edits.Count > 1 && !shown[0] && shown[1])
        {
            shown[0] = true;
        }

        bool skipping = false;
        for (int i = 0; i < edits.Count; i++)
        {
            if (!shown[i])
            {
                if (!skipping)
                {
                    text.Append("  ...").Append('\n');
                    skipping = true;
                }

                continue;
            }

            skipping = false;
            text.Append(edits[i].Op).Append(' ').Append(edits[i].Line).Append('\n');
        }
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
