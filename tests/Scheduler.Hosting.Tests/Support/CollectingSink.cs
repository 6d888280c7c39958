using Serilog.Core;
using Serilog.Events;

namespace Scheduler.Hosting.Tests.Support;

/// <summary>A Serilog sink that keeps every event, for assertions on level, event id, source and properties.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly Lock _gate = new();
    private readonly List<LogEvent> _events = [];

    /// <summary>Gets a snapshot of the events so far, oldest first.</summary>
    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _events.Add(logEvent);
        }
    }

    /// <summary>The events with event id <paramref name="id"/>.</summary>
    public IReadOnlyList<LogEvent> WithEventId(int id) => [.. Events.Where(e => EventIdOf(e) == id)];

    /// <summary>The events at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<LogEvent> AtLeast(LogEventLevel level) => [.. Events.Where(e => e.Level >= level)];

    /// <summary>The event id that Serilog.Extensions.Logging attached, or null.</summary>
    public static int? EventIdOf(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out LogEventPropertyValue? value)
        && value is StructureValue structure
        && structure.Properties.FirstOrDefault(p => p.Name == "Id")?.Value is ScalarValue { Value: int id }
            ? id
            : null;

    /// <summary>The scalar value of property <paramref name="name"/>, or null.</summary>
    public static object? Property(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out LogEventPropertyValue? value) && value is ScalarValue scalar ? scalar.Value : null;

    /// <summary>Renders every event, one line each, for failure messages.</summary>
    public string Dump() => string.Join(Environment.NewLine, Events.Select(e =>
        $"{e.Level} [{EventIdOf(e)}] {Property(e, "SourceContext")}: {e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
}
