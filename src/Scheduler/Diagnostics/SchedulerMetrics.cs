using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Scheduler;

// Design note: metrics
// ====================
// Every instrument is observable: nothing is recorded per step. When a listener collects (dotnet-counters
// every second, an OpenTelemetry exporter every few seconds), a callback walks the live loops and reads the
// counters they keep anyway: StepCount, TickCount, FaultCount, SlowStepCount (each a Volatile.Read of a long),
// and the live and ready counts (racy reads of an int that the loop thread is changing: a count from a moment
// during the collection, never a torn value). Each measurement carries the tag loop.name; loops that share a
// name are summed (lag: the largest), so give loops distinct names to see them apart.
//
// Loops register from their constructor in a ConditionalWeakTable, which does not keep them alive: a loop
// nobody references is collected and drops out by itself; a disposed loop is dropped at the next collection.
//
// Loop lag is measured, not estimated: at each collection the loop gets a probe callback in its inbox (when it
// has none pending), and the gauge reports how long the last probe waited for the loop to run it, or how long
// the pending one has waited so far if that is longer (so a loop stuck in a step shows a growing lag). This
// costs one posted callback per collection and, on an idle loop, one wake-up. Only loops that Run drives are
// probed: a loop driven by Tick or RunUntilIdle (tests, games) has no lag to speak of between calls, and a
// probe in its inbox would change its round counts.
internal static class SchedulerMetrics
{
    /// <summary>The meter's name: what <c>dotnet-counters --counters</c> and OpenTelemetry's <c>AddMeter</c> take.</summary>
    public const string MeterName = "Scheduler";

    /// <summary>The tag naming the loop a measurement belongs to.</summary>
    public const string LoopNameTag = "loop.name";

    private static readonly object s_registered = new();
    private static readonly ConditionalWeakTable<EventLoop, object> s_loops = [];

    private static readonly Meter s_meter = new(MeterName, typeof(EventLoop).Assembly.GetName().Version?.ToString());

    // Kept in fields for readability; the meter holds them too.
    private static readonly ObservableCounter<long> s_steps = s_meter.CreateObservableCounter(
        "scheduler.steps", static () => Observe(static loop => loop.StepCount), "{step}",
        "Steps run by the loop, counting disposal turns");

    private static readonly ObservableCounter<long> s_rounds = s_meter.CreateObservableCounter(
        "scheduler.rounds", static () => Observe(static loop => loop.TickCount), "{round}",
        "Rounds the loop has started");

    private static readonly ObservableUpDownCounter<long> s_live = s_meter.CreateObservableUpDownCounter(
        "scheduler.tasks.live", static () => Observe(static loop => loop.LiveCountForMetrics), "{task}",
        "Coroutines started and not yet ended");

    private static readonly ObservableUpDownCounter<long> s_ready = s_meter.CreateObservableUpDownCounter(
        "scheduler.ready_queue.length", static () => Observe(static loop => loop.ReadyCountForMetrics), "{task}",
        "Coroutines in the ready queue, waiting for their next step");

    private static readonly ObservableCounter<long> s_faults = s_meter.CreateObservableCounter(
        "scheduler.faults", static () => Observe(static loop => loop.FaultCount), "{fault}",
        "Coroutines that ended faulted, observed or not");

    private static readonly ObservableCounter<long> s_slowSteps = s_meter.CreateObservableCounter(
        "scheduler.slow_steps", static () => Observe(static loop => loop.SlowStepCount), "{step}",
        "Steps the blocking watchdog reported as longer than the slow-step threshold");

    private static readonly ObservableGauge<double> s_lag = s_meter.CreateObservableGauge(
        "scheduler.loop.lag", ObserveLag, "s",
        "How long the last callback posted to the loop's inbox waited before the loop ran it (loops driven by Run)");

    /// <summary>The instruments, in the order they are documented (for tests).</summary>
    internal static IReadOnlyList<Instrument> Instruments => [s_steps, s_rounds, s_live, s_ready, s_faults, s_slowSteps, s_lag];

    /// <summary>Makes <paramref name="loop"/> visible to the metrics without keeping it alive. Any thread.</summary>
    public static void Register(EventLoop loop) => s_loops.AddOrUpdate(loop, s_registered);

    private static IEnumerable<Measurement<long>> Observe(Func<EventLoop, long> read)
    {
        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (EventLoop loop in LiveLoops())
        {
            byName[loop.Name] = byName.GetValueOrDefault(loop.Name) + read(loop);
        }

        return byName.Select(static pair => new Measurement<long>(pair.Value, new KeyValuePair<string, object?>(LoopNameTag, pair.Key)));
    }

    private static IEnumerable<Measurement<double>> ObserveLag()
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (EventLoop loop in LiveLoops())
        {
            if (loop.MeasureLag() is { } lag)
            {
                byName[loop.Name] = Math.Max(byName.GetValueOrDefault(loop.Name), lag.TotalSeconds);
            }
        }

        return byName.Select(static pair => new Measurement<double>(pair.Value, new KeyValuePair<string, object?>(LoopNameTag, pair.Key)));
    }

    /// <summary>The registered loops that are not disposed; disposed ones are forgotten on the way.</summary>
    private static List<EventLoop> LiveLoops()
    {
        var live = new List<EventLoop>();
        List<EventLoop>? disposed = null;
        foreach (KeyValuePair<EventLoop, object> pair in s_loops)
        {
            if (pair.Key.IsDisposedForMetrics)
            {
                (disposed ??= []).Add(pair.Key);
            }
            else
            {
                live.Add(pair.Key);
            }
        }

        foreach (EventLoop loop in disposed ?? [])
        {
            s_loops.Remove(loop);
        }

        return live;
    }
}
