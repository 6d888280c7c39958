using Scheduler.Tests.Support;

namespace Scheduler.Tests.Clocks;

/// <summary>The <see cref="VirtualClock"/> as a <see cref="TimeProvider"/> (DESIGN.md Semantics 6).</summary>
public class VirtualClockTests
{
    [Test]
    public void Constructor_NoStart_StartsAtDefaultStartWithNothingElapsed()
    {
        var clock = new VirtualClock();

        Assert.Multiple(() =>
        {
            Assert.That(VirtualClock.DefaultStart, Is.EqualTo(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(clock.GetUtcNow(), Is.EqualTo(VirtualClock.DefaultStart));
            Assert.That(clock.GetUtcNow().Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
            Assert.That(clock.AutoAdvance, Is.False);
        });
    }

    [Test]
    public void Constructor_GivenStart_StartsThere()
    {
        var start = new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.Zero);
        var clock = new VirtualClock(start);

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(clock.GetUtcNow(), Is.EqualTo(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public void Advance_MovesUtcNowTimestampAndElapsedTogether()
    {
        var clock = new VirtualClock();
        long before = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMinutes(90));
        clock.Advance(TimeSpan.FromTicks(7));
        clock.Advance(TimeSpan.Zero);

        TimeSpan moved = TimeSpan.FromMinutes(90) + TimeSpan.FromTicks(7);
        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.EqualTo(moved));
            Assert.That(clock.GetUtcNow(), Is.EqualTo(VirtualClock.DefaultStart + moved));
            Assert.That(clock.GetTimestamp() - before, Is.EqualTo(moved.Ticks));
            Assert.That(clock.GetElapsedTime(before), Is.EqualTo(moved));
        });
    }

    [Test]
    public void Advance_Negative_ThrowsAndLeavesTheClockWhereItWas()
    {
        var clock = new VirtualClock();
        clock.Advance(TimeSpan.FromSeconds(5));

        ArgumentOutOfRangeException? error = Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromTicks(-1)));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ParamName, Is.EqualTo("delta"));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(5)));
        });
    }

    [Test]
    public void TimestampFrequency_IsTimeSpanTicksPerSecond()
    {
        var clock = new VirtualClock();

        Assert.That(clock.TimestampFrequency, Is.EqualTo(TimeSpan.TicksPerSecond));
    }

    [Test]
    public void GetElapsedTime_FromAnEarlierTimestamp_IsTheDistanceAdvanced()
    {
        var clock = new VirtualClock();
        clock.Advance(TimeSpan.FromHours(3));
        long start = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Multiple(() =>
        {
            Assert.That(clock.GetElapsedTime(start), Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(clock.GetElapsedTime(start, clock.GetTimestamp()), Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
        });
    }

    [Test]
    public void CreateTimer_SeveralDue_FireInsideAdvanceInDueOrderEachAtItsDueTime()
    {
        var trace = new Trace();
        var clock = new VirtualClock();
        using ITimer three = clock.CreateTimer(Callback, "t3", TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using ITimer one = clock.CreateTimer(Callback, "t1", TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using ITimer two = clock.CreateTimer(Callback, "t2", TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMilliseconds(1500));
        trace.Add("|");
        clock.Advance(TimeSpan.FromSeconds(10));
        trace.Add("|");
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("t1@00:00:01 | t2@00:00:02 t3@00:00:03 |"));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromMilliseconds(21500)));
        });

        void Callback(object? state) => trace.Add($"{state}@{clock.Elapsed}");
    }

    [Test]
    public void CreateTimer_Periodic_RepeatsEveryPeriod()
    {
        var fired = new List<TimeSpan>();
        var clock = new VirtualClock();
        using ITimer timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        clock.Advance(TimeSpan.FromSeconds(6));
        int afterSix = fired.Count;
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(afterSix, Is.EqualTo(3));
            Assert.That(fired, Is.EqualTo(new List<int> { 1, 3, 5, 7 }.Select(s => TimeSpan.FromSeconds(s))));
        });
    }

    [Test]
    public void CreateTimer_ChangedToInfinite_Disarms()
    {
        int fired = 0;
        var clock = new VirtualClock();
        using ITimer timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(1));
        bool changed = timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True);
            Assert.That(fired, Is.EqualTo(1));
        });
    }

    [Test]
    public void CreateTimer_Changed_RearmsRelativeToNow()
    {
        var fired = new List<TimeSpan>();
        var clock = new VirtualClock();
        using ITimer timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(4));
        timer.Change(TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(20));

        Assert.That(fired, Is.EqualTo(new[] { TimeSpan.FromSeconds(7) }));
    }

    [Test]
    public void CreateTimer_Disposed_NeverFires()
    {
        int fired = 0;
        var clock = new VirtualClock();
        ITimer periodic = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        ITimer oneShot = clock.CreateTimer(_ => fired += 100, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(2));
        periodic.Dispose();
        oneShot.Dispose();
        clock.Advance(TimeSpan.FromHours(1));

        Assert.That(fired, Is.EqualTo(2));
    }

    [Test]
    public void CreateTimer_NullCallback_ThrowsArgumentNull()
    {
        var clock = new VirtualClock();

        Assert.Throws<ArgumentNullException>(() => clock.CreateTimer(null!, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
    }

    [Test]
    public void TaskDelay_OnTheVirtualClock_CompletesWhenAdvancedPastItsDueTime()
    {
        var clock = new VirtualClock();
        Task delay = Task.Delay(TimeSpan.FromSeconds(30), clock);

        clock.Advance(TimeSpan.FromSeconds(29));
        bool completedEarly = delay.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(completedEarly, Is.False);
            Assert.That(delay.IsCompletedSuccessfully, Is.True);
        });
    }

    [Test]
    public void EventLoop_OnAVirtualClock_ReadsTheSameTimeAsTheClock()
    {
        var clock = new VirtualClock(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero)) { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var seen = new List<DateTimeOffset>();
        loop.Spawn(Body());

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(loop.Clock, Is.SameAs(clock));
            Assert.That(seen, Is.EqualTo(new[]
            {
                new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2030, 6, 1, 12, 0, 5, TimeSpan.Zero),
            }));
        });

        IEnumerator Body()
        {
            seen.Add(loop.Clock.GetUtcNow());
            yield return Wait.For(TimeSpan.FromSeconds(5));
            seen.Add(loop.Clock.GetUtcNow());
        }
    }
}
