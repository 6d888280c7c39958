using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// The timeline: steps and waits recorded through a step observer into a bounded ring buffer, written as Chrome
/// trace-event JSON (complete events with microsecond times, one named track per coroutine). Timestamps come
/// from a virtual clock here, so every event is exact.
/// </summary>
public class TimelineTests
{
    [Test]
    public void WriteChromeTrace_SmallProgram_WritesExactlyTheseEvents()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(new EventLoopOptions { Clock = clock, Name = "trace" });
        using TimelineRecorder timeline = loop.StartTimeline(timeProvider: clock);
        Coroutine worker = loop.Spawn(Work(clock), "worker");
        loop.Spawn(Join(worker));

        loop.RunUntilIdle();

        using JsonDocument trace = Write(timeline);
        string[] expected =
        [
            """M process_name tid=0 {"name":"event loop 'trace'"}""",
            """M thread_name tid=1 {"name":"worker #1"}""",
            """M thread_sort_index tid=1 {"sort_index":1}""",
            """M thread_name tid=2 {"name":"#2 Join"}""",
            """M thread_sort_index tid=2 {"sort_index":2}""",
            """X step tid=1 'Work' ts=0 dur=2000 {"round":1,"step":1,"then":"sleeping until 00:00:00.012"}""",
            """X step tid=2 'Join' ts=2000 dur=0 {"round":1,"step":1,"then":"joining coroutine 'worker' (#1)"}""",
            """X wait tid=1 'sleeping until 00:00:00.012' ts=2000 dur=10000 {"round":1}""",
            """X step tid=1 'Work' ts=12000 dur=1000 {"round":3,"step":2,"then":"completed"}""",
            """X wait tid=2 'joining coroutine 'worker' (#1)' ts=2000 dur=11000 {"round":1}""",
            """X step tid=2 'Join' ts=13000 dur=0 {"round":4,"step":2,"then":"completed"}""",
        ];
        Assert.Multiple(() =>
        {
            Assert.That(Events(trace), Is.EqualTo(expected));
            Assert.That(trace.RootElement.GetProperty("displayTimeUnit").GetString(), Is.EqualTo("ms"));
            Assert.That(trace.RootElement.GetProperty("otherData").GetRawText(), Is.EqualTo("""{"loop":"trace","droppedEvents":0}"""));
            Assert.That(timeline.Count, Is.EqualTo(6));
            Assert.That(timeline.DroppedCount, Is.Zero);
        });

        static IEnumerator Work(VirtualClock clock)
        {
            clock.Advance(TimeSpan.FromMilliseconds(2)); // the first step "works" for 2 ms
            yield return Wait.For(TimeSpan.FromMilliseconds(10));
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        static IEnumerator Join(Coroutine worker)
        {
            yield return worker;
        }
    }

    [Test]
    public void WriteChromeTrace_EveryEvent_HasTheFieldsPerfettoReads()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        using TimelineRecorder timeline = loop.StartTimeline(timeProvider: clock);
        loop.Spawn(Sleeps(), "sleeper");
        loop.RunUntilIdle();

        using JsonDocument trace = Write(timeline);

        foreach (JsonElement item in trace.RootElement.GetProperty("traceEvents").EnumerateArray())
        {
            Assert.Multiple(() =>
            {
                Assert.That(item.GetProperty("name").ValueKind, Is.EqualTo(JsonValueKind.String));
                Assert.That(item.GetProperty("ph").GetString(), Is.AnyOf("X", "M"));
                Assert.That(item.GetProperty("pid").GetInt32(), Is.EqualTo(1));
                Assert.That(item.GetProperty("tid").ValueKind, Is.EqualTo(JsonValueKind.Number));
                Assert.That(item.GetProperty("args").ValueKind, Is.EqualTo(JsonValueKind.Object));
                if (item.GetProperty("ph").GetString() == "X")
                {
                    Assert.That(item.GetProperty("cat").GetString(), Is.AnyOf("step", "wait"));
                    Assert.That(item.GetProperty("ts").GetDouble(), Is.GreaterThanOrEqualTo(0));
                    Assert.That(item.GetProperty("dur").GetDouble(), Is.GreaterThanOrEqualTo(0));
                }
            });
        }

        static IEnumerator Sleeps()
        {
            yield return Wait.For(TimeSpan.FromSeconds(1));
        }
    }

    [Test]
    public void StartTimeline_CapacityReached_DropsTheOldestAndCountsThem()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(new EventLoopOptions { Clock = clock, Name = "ring" });
        using TimelineRecorder timeline = loop.StartTimeline(capacity: 3, timeProvider: clock);
        loop.Spawn(Yields(5), "y");

        loop.RunUntilIdle();

        using JsonDocument trace = Write(timeline);
        string[] expected =
        [
            """M process_name tid=0 {"name":"event loop 'ring'"}""",
            """M thread_name tid=1 {"name":"y #1"}""",
            """M thread_sort_index tid=1 {"sort_index":1}""",
            """X step tid=1 'Yields' ts=0 dur=0 {"round":4,"step":4,"then":"ready"}""",
            """X step tid=1 'Yields' ts=0 dur=0 {"round":5,"step":5,"then":"ready"}""",
            """X step tid=1 'Yields' ts=0 dur=0 {"round":6,"step":6,"then":"completed"}""",
        ];
        Assert.Multiple(() =>
        {
            Assert.That(timeline.Capacity, Is.EqualTo(3));
            Assert.That(timeline.Count, Is.EqualTo(3));
            Assert.That(timeline.DroppedCount, Is.EqualTo(3));
            Assert.That(Events(trace), Is.EqualTo(expected));
            Assert.That(trace.RootElement.GetProperty("otherData").GetProperty("droppedEvents").GetInt64(), Is.EqualTo(3));
        });
    }

    [Test]
    public void StartTimeline_ManyEvents_TheBufferGrowsToItsCapacityAndKeepsTheNewest()
    {
        using var loop = new EventLoop(new VirtualClock());
        using TimelineRecorder timeline = loop.StartTimeline(capacity: 100);
        loop.Spawn(Yields(999), "y");

        loop.RunUntilIdle();

        using JsonDocument trace = Write(timeline);
        List<int> steps = [.. trace.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X")
            .Select(e => e.GetProperty("args").GetProperty("step").GetInt32())];
        Assert.Multiple(() =>
        {
            Assert.That(timeline.Count, Is.EqualTo(100));
            Assert.That(timeline.DroppedCount, Is.EqualTo(900));
            Assert.That(steps, Is.EqualTo(Enumerable.Range(901, 100)));
        });
    }

    [Test]
    public void Dispose_StopsRecording_OpenWaitsEndWhenItStoppedAndTheLoopRunsUnobservedAgain()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(new EventLoopOptions { Clock = clock, Name = "stop" });
        TimelineRecorder timeline = loop.StartTimeline(timeProvider: clock);
        loop.Spawn(Sleeps(), "sleeper");
        loop.Tick();
        clock.Advance(TimeSpan.FromMilliseconds(300));

        timeline.Dispose();
        clock.Advance(TimeSpan.FromSeconds(1));
        loop.RunUntilIdle();
        timeline.Dispose(); // a second call does nothing

        using JsonDocument trace = Write(timeline);
        string[] expected =
        [
            """M process_name tid=0 {"name":"event loop 'stop'"}""",
            """M thread_name tid=1 {"name":"sleeper #1"}""",
            """M thread_sort_index tid=1 {"sort_index":1}""",
            """X step tid=1 'Sleeps' ts=0 dur=0 {"round":1,"step":1,"then":"sleeping until 00:00:00.500"}""",
            """X wait tid=1 'sleeping until 00:00:00.500' ts=0 dur=300000 {"round":1,"open":true}""",
        ];
        Assert.Multiple(() =>
        {
            Assert.That(timeline.IsRecording, Is.False);
            Assert.That(Events(trace), Is.EqualTo(expected), "the step after Dispose is not recorded; the open wait ends at Dispose");
            Assert.That(ObserverCount(loop), Is.Zero, "no observer left: the loop is back on its unobserved path");
        });

        static IEnumerator Sleeps()
        {
            yield return Wait.For(TimeSpan.FromMilliseconds(500));
            yield return null;
        }
    }

    [Test]
    public void StartTimeline_NeverStarted_NoObserverIsRegistered()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Yields(3));

        loop.RunUntilIdle();

        Assert.That(ObserverCount(loop), Is.Zero);
    }

    [Test]
    public void Dispose_FromAnotherThread_StopsAtOnceAndUnhooksAtTheNextRound()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        TimelineRecorder timeline = loop.StartTimeline(timeProvider: clock);
        loop.Spawn(Yields(3), "y");
        loop.Tick();
        var other = new Thread(timeline.Dispose);
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);
        int recorded = timeline.Count;

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(recorded, Is.EqualTo(1));
            Assert.That(timeline.Count, Is.EqualTo(1), "nothing is recorded once Dispose returned");
            Assert.That(ObserverCount(loop), Is.Zero);
        });
    }

    [Test]
    public void WriteChromeTrace_EndedSteps_SayHowTheCoroutineEnded()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        using TimelineRecorder timeline = loop.StartTimeline(timeProvider: clock);
        loop.Spawn(Throws(), "faulty");
        Coroutine canceled = loop.Spawn(Yields(10), "canceled");
        loop.Tick();
        canceled.Cancel();
        loop.Tick();

        using JsonDocument trace = Write(timeline);

        string[] expected =
        [
            "faulty: faulted (InvalidOperationException)",
            "canceled: ready",
            "canceled: canceled",
        ];
        var outcomes = new List<string>();
        foreach (JsonElement item in trace.RootElement.GetProperty("traceEvents").EnumerateArray())
        {
            if (item.TryGetProperty("cat", out JsonElement category) && category.GetString() == "step")
            {
                outcomes.Add($"{Track(trace, item.GetProperty("tid").GetInt64())}: {item.GetProperty("args").GetProperty("then").GetString()}");
            }
        }

        Assert.That(outcomes, Is.EqualTo(expected));

        static IEnumerator Throws()
        {
            throw new InvalidOperationException("expected");
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }
    }

    [Test]
    public void WriteChromeTrace_FromAnotherThreadWhileRecording_WritesValidJson()
    {
        using var loop = new EventLoop(new VirtualClock());
        using TimelineRecorder timeline = loop.StartTimeline();
        loop.Spawn(Yields(3), "y");
        loop.RunUntilIdle();
        byte[]? written = null;

        var other = new Thread(() =>
        {
            using var stream = new MemoryStream();
            timeline.WriteChromeTrace(stream);
            written = stream.ToArray();
        });
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);

        using JsonDocument trace = JsonDocument.Parse(written);
        Assert.That(trace.RootElement.GetProperty("traceEvents").GetArrayLength(), Is.EqualTo(3 + 4), "three metadata events, four steps");
    }

    [Test]
    public void StartTimeline_BadInput_Throws()
    {
        var loop = new EventLoop(new VirtualClock());
        Exception? fromOtherThread = null;
        var other = new Thread(() =>
        {
            try
            {
                loop.StartTimeline();
            }
            catch (Exception ex)
            {
                fromOtherThread = ex;
            }
        });
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(() => loop.StartTimeline(capacity: 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("capacity"));
            Assert.That(fromOtherThread, Is.TypeOf<InvalidOperationException>());
            Assert.That(() => Write(null!), Throws.ArgumentNullException);
        });
        loop.Dispose();
        Assert.That(() => loop.StartTimeline(), Throws.TypeOf<ObjectDisposedException>());

        static JsonDocument Write(Stream stream)
        {
            using var loop = new EventLoop(new VirtualClock());
            using TimelineRecorder timeline = loop.StartTimeline();
            timeline.WriteChromeTrace(stream);
            return null!;
        }
    }

    private static JsonDocument Write(TimelineRecorder timeline)
    {
        using var stream = new MemoryStream();
        timeline.WriteChromeTrace(stream);
        return JsonDocument.Parse(stream.ToArray());
    }

    /// <summary>One line per trace event: metadata as <c>M name tid=N args</c>, complete events as <c>X cat tid=N 'name' ts= dur= args</c>.</summary>
    private static List<string> Events(JsonDocument trace)
    {
        var lines = new List<string>();
        foreach (JsonElement item in trace.RootElement.GetProperty("traceEvents").EnumerateArray())
        {
            var line = new StringBuilder();
            string ph = item.GetProperty("ph").GetString()!;
            long tid = item.GetProperty("tid").GetInt64();
            string args = item.GetProperty("args").GetRawText();
            if (ph == "M")
            {
                line.Append(CultureInfo.InvariantCulture, $"M {item.GetProperty("name").GetString()} tid={tid} {args}");
            }
            else
            {
                line.Append(CultureInfo.InvariantCulture,
                    $"{ph} {item.GetProperty("cat").GetString()} tid={tid} '{item.GetProperty("name").GetString()}' " +
                    $"ts={item.GetProperty("ts").GetRawText()} dur={item.GetProperty("dur").GetRawText()} {args}");
            }

            lines.Add(line.ToString());
        }

        return lines;
    }

    private static string Track(JsonDocument trace, long tid) =>
        trace.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == "thread_name" && e.GetProperty("tid").GetInt64() == tid)
            .GetProperty("args").GetProperty("name").GetString()!.Split(' ')[0];

    private static int ObserverCount(EventLoop loop) =>
        ((Array)typeof(EventLoop).GetField("_observers", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(loop)!).Length;

    private static IEnumerator Yields(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }
    }
}
