using System.Globalization;
using System.Text;

namespace Scheduler;

/// <summary>
/// How dumps write loop times and ages: <c>hh:mm:ss</c>, with milliseconds when there are any
/// (<c>00:00:01.250</c>), with ticks when finer (<c>00:00:00.0000150</c>), and a day count when longer
/// (<c>2.03:00:00</c>). Stable and culture-invariant, so tests can pin dumps.
/// </summary>
internal static class LoopTimeFormat
{
    public static string Format(TimeSpan time)
    {
        var text = new StringBuilder(16);
        Append(text, time);
        return text.ToString();
    }

    public static StringBuilder Append(StringBuilder text, TimeSpan time)
    {
        if (time < TimeSpan.Zero)
        {
            text.Append('-');
            time = time == TimeSpan.MinValue ? TimeSpan.MaxValue : time.Negate();
        }

        CultureInfo invariant = CultureInfo.InvariantCulture;
        if (time.Days > 0)
        {
            text.Append(time.Days.ToString(invariant)).Append('.');
        }

        text.Append(time.Hours.ToString("00", invariant)).Append(':')
            .Append(time.Minutes.ToString("00", invariant)).Append(':')
            .Append(time.Seconds.ToString("00", invariant));
        long fraction = time.Ticks % TimeSpan.TicksPerSecond;
        if (fraction != 0)
        {
            text.Append('.').Append(fraction % TimeSpan.TicksPerMillisecond == 0
                ? (fraction / TimeSpan.TicksPerMillisecond).ToString("000", invariant)
                : fraction.ToString("0000000", invariant));
        }

        return text;
    }
}
