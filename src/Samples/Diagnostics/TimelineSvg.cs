using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Samples.Diagnostics;

/// <summary>
/// Draws a Chrome trace written by <c>TimelineRecorder.WriteChromeTrace</c> as an SVG picture: one row per track
/// (coroutine), a dark tick per step, a coloured bar per wait labelled with what it waited on. It reads only
/// the trace file, so it shows exactly what Perfetto would load.
/// </summary>
internal static class TimelineSvg
{
    private const int Width = 1000;
    private const int LabelWidth = 130;
    private const int RightMargin = 20;
    private const int Top = 52;
    private const int RowHeight = 28;
    private const int BarHeight = 18;

    // Wait bars are coloured by what they wait on.
    private static readonly (string What, string Colour)[] s_legend =
    [
        ("sleeping", "#bcd7f5"),
        ("joining, waiting for a group", "#dccaf2"),
        ("reading a channel", "#c5ebc5"),
        ("writing a full channel", "#f7d6a8"),
        ("other waits", "#e2e2e2"),
    ];

    public static void Render(string tracePath, string svgPath)
    {
        using JsonDocument trace = JsonDocument.Parse(File.ReadAllBytes(tracePath));
        var tracks = new SortedDictionary<long, string>();
        var slices = new List<(long Tid, string Category, string Name, double Start, double Duration)>();
        foreach (JsonElement item in trace.RootElement.GetProperty("traceEvents").EnumerateArray())
        {
            long tid = item.GetProperty("tid").GetInt64();
            string name = item.GetProperty("name").GetString()!;
            if (item.GetProperty("ph").GetString() == "M")
            {
                if (name == "thread_name")
                {
                    tracks[tid] = item.GetProperty("args").GetProperty("name").GetString()!;
                }
            }
            else
            {
                slices.Add((tid, item.GetProperty("cat").GetString()!, name, item.GetProperty("ts").GetDouble(), item.GetProperty("dur").GetDouble()));
            }
        }

        double end = Math.Max(1, slices.Max(s => s.Start + s.Duration));
        double scale = (Width - LabelWidth - RightMargin) / end;
        var rows = tracks.Keys.Select((tid, row) => (tid, row)).ToDictionary(p => p.tid, p => p.row);
        int height = Top + (rows.Count * RowHeight) + 40;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{Escape(trace.RootElement.GetProperty("otherData").GetProperty("loop").GetString()!)}: one track per coroutine</text>\n"));

        // The time axis: a tick every 100 ms (or a tenth of the run, when shorter).
        double tick = end > 1_000_000 ? 200_000 : end > 100_000 ? 100_000 : end / 10;
        for (double t = 0; t <= end + 1; t += tick)
        {
            double x = LabelWidth + (t * scale);
            svg.Append(Invariant($"<line x1=\"{x:0.#}\" y1=\"{Top - 10}\" x2=\"{x:0.#}\" y2=\"{Top + (rows.Count * RowHeight)}\" stroke=\"#ddd\"/>\n"));
            svg.Append(Invariant($"<text x=\"{x:0.#}\" y=\"{Top - 14}\" text-anchor=\"middle\" fill=\"#555\">{t / 1000:0} ms</text>\n"));
        }

        foreach ((long tid, int row) in rows)
        {
            int y = Top + (row * RowHeight);
            if (row % 2 == 1)
            {
                svg.Append(Invariant($"<rect x=\"0\" y=\"{y}\" width=\"{Width}\" height=\"{RowHeight}\" fill=\"#f6f6f6\"/>\n"));
            }

            svg.Append(Invariant($"<text x=\"10\" y=\"{y + 18}\">{Escape(tracks[tid])}</text>\n"));
        }

        // Waits first, then steps on top of them.
        foreach (var slice in slices.OrderBy(s => s.Category == "step"))
        {
            int y = Top + (rows[slice.Tid] * RowHeight) + ((RowHeight - BarHeight) / 2);
            double x = LabelWidth + (slice.Start * scale);
            if (slice.Category == "step")
            {
                double w = Math.Max(2, slice.Duration * scale);
                svg.Append(Invariant($"<rect x=\"{x - 1:0.#}\" y=\"{y - 2}\" width=\"{w:0.#}\" height=\"{BarHeight + 4}\" fill=\"#222\"><title>step {Escape(slice.Name)}</title></rect>\n"));
                continue;
            }

            double width = Math.Max(1, slice.Duration * scale);
            svg.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{y}\" width=\"{width:0.#}\" height=\"{BarHeight}\" rx=\"3\" fill=\"{ColourOf(slice.Name)}\"><title>{Escape(slice.Name)}</title></rect>\n"));
            string label = Fit(slice.Name, width);
            if (label.Length > 0)
            {
                svg.Append(Invariant($"<text x=\"{x + 4:0.#}\" y=\"{y + 13}\" fill=\"#222\">{Escape(label)}</text>\n"));
            }
        }

        int legend = Top + (rows.Count * RowHeight) + 24;
        svg.Append(Invariant($"<rect x=\"10\" y=\"{legend - 10}\" width=\"4\" height=\"12\" fill=\"#222\"/><text x=\"20\" y=\"{legend}\">a step</text>\n"));
        int lx = 80;
        foreach ((string what, string colour) in s_legend)
        {
            svg.Append(Invariant($"<rect x=\"{lx}\" y=\"{legend - 10}\" width=\"14\" height=\"12\" rx=\"2\" fill=\"{colour}\"/><text x=\"{lx + 18}\" y=\"{legend}\">{what}</text>\n"));
            lx += 30 + (what.Length * 6);
        }

        svg.Append("</svg>\n");
        File.WriteAllText(svgPath, svg.ToString());
    }

    private static string ColourOf(string wait) =>
        wait.StartsWith("sleeping", StringComparison.Ordinal) ? s_legend[0].Colour
        : wait.StartsWith("joining", StringComparison.Ordinal) || wait.StartsWith("waiting for task group", StringComparison.Ordinal) ? s_legend[1].Colour
        : wait.StartsWith("reading", StringComparison.Ordinal) || wait.StartsWith("receiving", StringComparison.Ordinal) ? s_legend[2].Colour
        : wait.StartsWith("writing", StringComparison.Ordinal) ? s_legend[3].Colour
        : s_legend[4].Colour;

    /// <summary>The label, cut to what fits in <paramref name="width"/> pixels (about 6 per character), or nothing.</summary>
    private static string Fit(string label, double width)
    {
        int chars = (int)((width - 8) / 6);
        return chars >= label.Length ? label : chars >= 6 ? label[..(chars - 1)] + "…" : "";
    }

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
