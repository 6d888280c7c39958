using static Scheduler.Testing.Tests.Support.Routines;

namespace Scheduler.Testing.Tests;

/// <summary>Virtual time: moved by hand, to the next timer, through a duration, or by auto-advance.</summary>
public class VirtualTimeTests
{
    [Test]
    public void Advance_ToTheDeadline_RunsNothingAndTheSleeperWakesInTheNextRound()
    {
        using var test = new LoopTest();
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(5)), "sleeper");
        test.RunRound();

        test.Advance(TimeSpan.FromSeconds(5));
        long stepsBeforeRound = test.Loop.StepCount;
        int steps = test.RunRound();

        Assert.Multiple(() =>
        {
            Assert.That(stepsBeforeRound, Is.EqualTo(1), "advancing runs nothing");
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(test.Trace.ToString(), Is.EqualTo("1 sleeper: wait Wait.For(00:00:05)\n2 sleeper: woke\n2 sleeper: end Completed"));
        });
    }

    [Test]
    public void Advance_Negative_Throws()
    {
        using var test = new LoopTest();

        Assert.Throws<ArgumentOutOfRangeException>(() => test.Advance(TimeSpan.FromTicks(-1)));
    }

    [Test]
    public void AdvanceToNextTimer_TwoSleepers_MovesToTheEarliestDeadlineEachTime()
    {
        using var test = new LoopTest();
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(5)), "five");
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(3)), "three");
        test.RunRound();

        var elapsed = new List<TimeSpan>();
        while (test.AdvanceToNextTimer())
        {
            elapsed.Add(test.Elapsed);
            test.RunRound();
        }

        Assert.Multiple(() =>
        {
            Assert.That(elapsed, Is.EqualTo(new List<TimeSpan> { TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5) }));
            Assert.That(test.Trace.OnlyLogs().ToString(), Is.EqualTo("2 three: woke\n3 five: woke"));
        });
    }

    [Test]
    public void AdvanceToNextTimer_NoTimer_ReturnsFalseAndTimeStays()
    {
        using var test = new LoopTest();
        test.Spawn(Parked(), "parked");
        test.RunRound();

        Assert.Multiple(() =>
        {
            Assert.That(test.AdvanceToNextTimer(), Is.False);
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    public void AdvanceToNextTimer_FromAnotherThread_Throws()
    {
        using var test = new LoopTest();
        Exception? error = null;

        var other = new Thread(() =>
        {
            try
            {
                test.AdvanceToNextTimer();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);

        Assert.That(error, Is.TypeOf<InvalidOperationException>());
    }

    [Test]
    public void RunFor_HeartbeatEveryThreeSeconds_RunsTheBeatsDueWithinTheDurationAndEndsThere()
    {
        using var test = new LoopTest();
        test.Spawn(Heartbeat(test), "heartbeat");

        long steps = test.RunFor(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(4));
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(test.Trace.OnlyLogs().ToString(), Is.EqualTo(
                "1 heartbeat: beat at 00:00:00\n3 heartbeat: beat at 00:00:03\n5 heartbeat: beat at 00:00:06\n7 heartbeat: beat at 00:00:09"));
            Assert.That(test.Loop.PendingTimerCount, Is.EqualTo(1), "the beat at 12 s stays pending");
        });
    }

    [Test]
    public void RunFor_TimerDueExactlyAtTheEnd_Fires()
    {
        using var test = new LoopTest();
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(4)), "sleeper");

        test.RunFor(TimeSpan.FromSeconds(4));

        Assert.That(test.Trace.OnlyLogs().ToString(), Is.EqualTo("3 sleeper: woke"));
    }

    [Test]
    public void RunFor_WithAutoAdvanceOn_NeverPassesTheEndAndKeepsAutoAdvance()
    {
        using var test = new LoopTest(new LoopTestOptions { AutoAdvance = true });
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(60)), "sleeper");

        test.RunFor(TimeSpan.FromSeconds(4));

        Assert.Multiple(() =>
        {
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(4)));
            Assert.That(test.AutoAdvance, Is.True);
            Assert.That(test.Trace.OnlyLogs(), Is.Empty);
        });
    }

    [Test]
    public void RunFor_EndlessTask_FailsAtTheBudget()
    {
        using var test = new LoopTest();
        test.Spawn(Spin(), "spinner");

        var error = Assert.Throws<LoopTestException>(() => test.RunFor(TimeSpan.FromSeconds(1), maxSteps: 5));

        Assert.That(error!.Message, Does.StartWith("RunFor: the budget of 5 step(s) ran out before the loop became idle (5 step(s) run)."));
    }

    [Test]
    public void RunFor_NegativeDuration_Throws()
    {
        using var test = new LoopTest();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => test.RunFor(TimeSpan.FromSeconds(-1)));

        Assert.That(error!.ParamName, Is.EqualTo("duration"));
    }

    private static IEnumerator Heartbeat(LoopTest test)
    {
        while (true)
        {
            test.Log($"beat at {test.Elapsed}");
            yield return Wait.For(TimeSpan.FromSeconds(3));
        }
    }
}
