using System.Diagnostics.Metrics;
using System.Reflection;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// The metrics on the meter "Scheduler", read the way dotnet-counters and OpenTelemetry read them: through a
/// <see cref="MeterListener"/> that collects the observable instruments. Every loop here has a name of its own,
/// and only measurements tagged with it are looked at, so other loops of the test run do not matter.
/// </summary>
public class MetricsTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    [Test]
    public void Instruments_DeterministicScenario_ReportExactCountsTaggedWithLoopName()
    {
        string name = UniqueName();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = name });
        loop.Spawn(Yields(2));                                  // 3 steps, ends in round 3
        loop.Spawn(Faults());                                   // 1 step, faults nobody observes
        loop.Spawn(SleepsForever());                            // 1 step, then parked on a timer
        long steps = loop.RunUntilIdle();                       // rounds 1-3 step, round 4 finds nothing
        loop.Spawn(Yields(1));
        loop.Spawn(Yields(1));                                  // two more, ready, not yet stepped

        using var collector = new MetricsCollector();
        Dictionary<string, double> values = collector.Collect(name);

        Assert.That(steps, Is.EqualTo(5));
        Assert.That(values, Is.EquivalentTo(new Dictionary<string, double>
        {
            ["scheduler.steps"] = 5,
            ["scheduler.rounds"] = 4,
            ["scheduler.tasks.live"] = 3,
            ["scheduler.ready_queue.length"] = 2,
            ["scheduler.faults"] = 1,
            ["scheduler.slow_steps"] = 0,
        }), "no scheduler.loop.lag: a loop that Run does not drive is not probed");
    }

    [Test]
    public void Instruments_AfterMoreWork_FollowTheLoopsCounters()
    {
        string name = UniqueName();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = name });
        using var collector = new MetricsCollector();
        loop.Spawn(Yields(9));
        Dictionary<string, double> before = collector.Collect(name);
        loop.RunUntilIdle();
        Dictionary<string, double> after = collector.Collect(name);

        Assert.That(before["scheduler.steps"], Is.Zero);
        Assert.That(before["scheduler.tasks.live"], Is.EqualTo(1));
        Assert.That(before["scheduler.ready_queue.length"], Is.EqualTo(1));
        Assert.That(after["scheduler.steps"], Is.EqualTo(10));
        Assert.That(after["scheduler.rounds"], Is.EqualTo(11));
        Assert.That(after["scheduler.tasks.live"], Is.Zero);
        Assert.That(after["scheduler.ready_queue.length"], Is.Zero);
    }

    [Test]
    public void Instruments_TwoLoopsShareAName_ReportedAsTheirSum()
    {
        string name = UniqueName();
        using var one = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = name });
        using var two = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = name });
        one.Spawn(Yields(1));
        two.Spawn(Yields(2));
        one.RunUntilIdle();
        two.RunUntilIdle();

        using var collector = new MetricsCollector();
        Dictionary<string, double> values = collector.Collect(name);

        Assert.That(values["scheduler.steps"], Is.EqualTo(2 + 3));
        Assert.That(collector.MeasurementCount(name, "scheduler.steps"), Is.EqualTo(1), "one measurement per name");
    }

    [Test]
    public void Instruments_DisposedLoop_IsNoLongerReported()
    {
        string name = UniqueName();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = name });
        loop.Spawn(Yields(1));
        loop.RunUntilIdle();
        using var collector = new MetricsCollector();
        Assert.That(collector.Collect(name), Has.Count.EqualTo(6));

        loop.Dispose();

        Assert.That(collector.Collect(name), Is.Empty);
    }

    [Test]
    public void Meter_Instruments_HaveTheDocumentedNamesUnitsAndKinds()
    {
        Assert.That(SchedulerMetrics.Instruments.Select(static i => (i.Meter.Name, i.Name, i.Unit, i.GetType().Name)), Is.EqualTo(new[]
        {
            ("Scheduler", "scheduler.steps", "{step}", "ObservableCounter`1"),
            ("Scheduler", "scheduler.rounds", "{round}", "ObservableCounter`1"),
            ("Scheduler", "scheduler.tasks.live", "{task}", "ObservableUpDownCounter`1"),
            ("Scheduler", "scheduler.ready_queue.length", "{task}", "ObservableUpDownCounter`1"),
            ("Scheduler", "scheduler.faults", "{fault}", "ObservableCounter`1"),
            ("Scheduler", "scheduler.slow_steps", "{step}", "ObservableCounter`1"),
            ("Scheduler", "scheduler.loop.lag", "s", "ObservableGauge`1"),
        }));
        Assert.That(SchedulerMetrics.Instruments[0].Meter.Version, Is.EqualTo(typeof(EventLoop).Assembly.GetName().Version!.ToString()));
        Assert.That(SchedulerMetrics.Instruments, Has.All.Property(nameof(Instrument.Description)).Not.Empty);
    }

    [Test]
    public void LoopLag_RunDrivenLoop_ReportsHowLongTheProbeWaited()
    {
        string name = UniqueName();
        using var loop = new EventLoop(new EventLoopOptions { Name = name, KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();
        using var collector = new MetricsCollector();
        Task run = loop.RunAsync(stop.Token);
        PostAndWait(loop); // Run is past its start: it ran a round

        // First collection: the first probe is posted; nothing has been measured yet.
        Assert.That(collector.Collect(name), Does.Not.ContainKey("scheduler.loop.lag"));
        PostAndWait(loop); // the inbox is FIFO: the probe ran before this
        Assert.That(collector.Collect(name)["scheduler.loop.lag"], Is.GreaterThanOrEqualTo(0).And.LessThan(s_safetyNet.TotalSeconds));

        // A step that blocks: the probe posted now waits for it, and the lag shows that wait while it grows.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        loop.Spawn(Blocks(entered, release));
        Assert.That(entered.Wait(s_safetyNet), Is.True);
        collector.Collect(name); // posts a probe behind the blocked step
        long posted = TimeProvider.System.GetTimestamp();
        Assert.That(SpinWait.SpinUntil(() => TimeProvider.System.GetElapsedTime(posted) >= TimeSpan.FromMilliseconds(30), s_safetyNet), Is.True);
        double whileBlocked = collector.Collect(name)["scheduler.loop.lag"];
        release.Set();
        PostAndWait(loop);
        double afterwards = collector.Collect(name)["scheduler.loop.lag"];

        stop.Cancel();
        Assert.That(run.Wait(s_safetyNet), Is.True);
        Assert.That(whileBlocked, Is.GreaterThanOrEqualTo(0.030));
        Assert.That(afterwards, Is.GreaterThanOrEqualTo(0.030), "the probe that waited for the blocked step");
    }

    [Test]
    public void LoopLag_LoopNotDrivenByRun_NoProbeChangesItsRounds()
    {
        string name = UniqueName();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = name });
        loop.Spawn(Yields(1));
        loop.RunUntilIdle();
        long rounds = loop.TickCount;

        using var collector = new MetricsCollector();
        Assert.That(collector.Collect(name), Does.Not.ContainKey("scheduler.loop.lag"));
        Assert.That(loop.RunUntilIdle(), Is.Zero);
        Assert.That(loop.TickCount, Is.EqualTo(rounds + 1), "one empty round, as with no collection: nothing was posted");
    }

    private static string UniqueName() => "metrics-" + Guid.NewGuid().ToString("N");

    private static void PostAndWait(EventLoop loop)
    {
        using var ran = new ManualResetEventSlim();
        loop.Post(ran.Set);
        Assert.That(ran.Wait(s_safetyNet), Is.True, "the loop did not run a posted callback");
    }

    private static IEnumerator Yields(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Faults()
    {
        throw new InvalidOperationException("expected by the test");
#pragma warning disable CS0162 // unreachable: the yield makes this an iterator
        yield break;
#pragma warning restore CS0162
    }

    private static IEnumerator SleepsForever()
    {
        yield return Wait.For(TimeSpan.FromHours(1));
    }

    private static IEnumerator Blocks(ManualResetEventSlim entered, ManualResetEventSlim release)
    {
        entered.Set();
        release.Wait(s_safetyNet);
        yield break;
    }

    /// <summary>Collects the meter "Scheduler" on demand, keeping the measurements of one loop name.</summary>
    private sealed class MetricsCollector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, string Loop, double Value)> _measurements = [];

        public MetricsCollector()
        {
            _listener.InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Scheduler")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        /// <summary>Collects once and returns the values tagged with <paramref name="loop"/>, by instrument name.</summary>
        public Dictionary<string, double> Collect(string loop)
        {
            _measurements.Clear();
            _listener.RecordObservableInstruments();
            return _measurements.Where(m => m.Loop == loop).ToDictionary(static m => m.Instrument, static m => m.Value);
        }

        public int MeasurementCount(string loop, string instrument)
        {
            _measurements.Clear();
            _listener.RecordObservableInstruments();
            return _measurements.Count(m => m.Loop == loop && m.Instrument == instrument);
        }

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "loop.name")
                {
                    _measurements.Add((instrument.Name, (string)tag.Value!, value));
                }
            }
        }
    }
}
