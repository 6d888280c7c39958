using System.Text.Encodings.Web;
using System.Text.Json;

namespace Scheduler;

/// <summary>
/// Writes timeline events in the Chrome trace-event JSON format (the "JSON Object Format" of the Trace Event
/// Format document): complete events (<c>"ph": "X"</c>) with <c>ts</c> and <c>dur</c> in microseconds, and
/// metadata events (<c>"ph": "M"</c>) that name the process (the loop) and one thread per coroutine, so Perfetto
/// and <c>chrome://tracing</c> draw each coroutine on its own named track.
/// </summary>
internal static class ChromeTraceWriter
{
    private const int ProcessId = 1;

    // Wait descriptions quote names ('orders'); the trace is a file, not HTML, so they are written as they are.
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(
        Stream stream,
        string loopName,
        IReadOnlyList<TimelineEvent> events,
        IReadOnlyList<TimelineEvent> openWaits,
        Func<long, double> microseconds,
        long dropped)
    {
        using var json = new Utf8JsonWriter(stream, s_options);
        json.WriteStartObject();
        json.WriteStartArray("traceEvents");

        WriteMetadata(json, "process_name", 0, "name", $"event loop '{loopName}'");
        var tracks = new SortedDictionary<long, string>();
        foreach (TimelineEvent item in events.Concat(openWaits))
        {
            tracks.TryAdd(item.CoroutineId, item.Track);
        }

        foreach ((long id, string track) in tracks)
        {
            WriteMetadata(json, "thread_name", id, "name", track);
            json.WriteStartObject();
            json.WriteString("name", "thread_sort_index");
            json.WriteString("ph", "M");
            json.WriteNumber("pid", ProcessId);
            json.WriteNumber("tid", id);
            json.WriteStartObject("args");
            json.WriteNumber("sort_index", id);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        foreach (TimelineEvent item in events)
        {
            WriteComplete(json, item, microseconds, open: false);
        }

        foreach (TimelineEvent item in openWaits)
        {
            WriteComplete(json, item, microseconds, open: true);
        }

        json.WriteEndArray();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartObject("otherData");
        json.WriteString("loop", loopName);
        json.WriteNumber("droppedEvents", dropped);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteMetadata(Utf8JsonWriter json, string name, long threadId, string argument, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", ProcessId);
        json.WriteNumber("tid", threadId);
        json.WriteStartObject("args");
        json.WriteString(argument, value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteComplete(Utf8JsonWriter json, in TimelineEvent item, Func<long, double> microseconds, bool open)
    {
        double start = microseconds(item.Start);
        json.WriteStartObject();
        json.WriteString("name", item.Name);
        json.WriteString("cat", item.Kind == TimelineEventKind.Step ? "step" : "wait");
        json.WriteString("ph", "X");
        json.WriteNumber("ts", start);
        json.WriteNumber("dur", Math.Max(0, microseconds(item.End) - start));
        json.WriteNumber("pid", ProcessId);
        json.WriteNumber("tid", item.CoroutineId);
        json.WriteStartObject("args");
        json.WriteNumber("round", item.Round);
        if (item.Kind == TimelineEventKind.Step)
        {
            json.WriteNumber("step", item.Step);
            json.WriteString("then", item.Outcome);
        }
        else if (open)
        {
            json.WriteBoolean("open", true);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
