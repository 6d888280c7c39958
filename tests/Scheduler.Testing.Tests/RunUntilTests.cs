using static Scheduler.Testing.Tests.Support.Routines;

namespace Scheduler.Testing.Tests;

/// <summary>The open-ended drivers: until idle, until a condition holds; their step budgets and idle failures.</summary>
public class RunUntilTests
{
    [Test]
    public void RunUntilIdle_TaskThatYieldsThreeTimes_RunsFourStepsThenOneEmptyRound()
    {
        using var test = new LoopTest();
        test.Spawn(Yields(3), "a");

        long steps = test.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(4));
            Assert.That(test.Loop.TickCount, Is.EqualTo(5), "four rounds with a step, then the round that found nothing (as EventLoop.RunUntilIdle)");
        });
    }

    [Test]
    public void RunUntilIdle_SameWorkAsTheLoopsOwnDriver_SameStepsAndRounds()
    {
        using var kit = new LoopTest();
        using var plain = new EventLoop(new VirtualClock());
        foreach (EventLoop loop in new[] { kit.Loop, plain })
        {
            loop.Spawn(Yields(2), "a");
            loop.Spawn(Yields(5), "b");
            loop.Spawn(Sleeper(kit, TimeSpan.FromSeconds(1)), "sleeper");
        }

        long kitSteps = kit.RunUntilIdle();
        long plainSteps = plain.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(kitSteps, Is.EqualTo(plainSteps));
            Assert.That(kit.Loop.TickCount, Is.EqualTo(plain.TickCount));
        });
    }

    [Test]
    public void RunUntilIdle_BudgetExactlyTheStepsNeeded_Passes()
    {
        using var test = new LoopTest();
        test.Spawn(Yields(3), "a");

        Assert.That(test.RunUntilIdle(maxSteps: 4), Is.EqualTo(4));
    }

    [Test]
    public void RunUntilIdle_EndlessTask_FailsAfterExactlyTheBudgetWithTheTaskDumpAndTheTraceTail()
    {
        using var test = new LoopTest();
        test.Spawn(Spin(), "spinner");
        test.Spawn(Parked(), "parked");

        var error = Assert.Throws<LoopTestException>(() => test.RunUntilIdle(maxSteps: 10));

        Assert.Multiple(() =>
        {
            Assert.That(test.Loop.StepCount, Is.EqualTo(10));
            Assert.That(error!.Message, Does.StartWith(
                "RunUntilIdle: the budget of 10 step(s) ran out before the loop became idle (10 step(s) run)."));
            Assert.That(error.Message, Does.Contain("Loop test: round 9, 10 step(s), virtual time +00:00:00, FIFO order."));
            Assert.That(error.Message, Does.Contain("Task dump:\n").And.Contain("coroutine 'spinner' (#1)").And.Contain("coroutine 'parked' (#2)"));
            Assert.That(error.Message, Does.EndWith("Last trace lines:\n" +
                "1 spinner: yield\n1 parked: wait Wait.Forever\n2 spinner: yield\n3 spinner: yield\n4 spinner: yield\n" +
                "5 spinner: yield\n6 spinner: yield\n7 spinner: yield\n8 spinner: yield\n9 spinner: yield"));
            Assert.That(error.Seed, Is.Null);
        });
    }

    [Test]
    public void RunUntilIdle_BudgetBelowOne_Throws()
    {
        using var test = new LoopTest();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => test.RunUntilIdle(maxSteps: 0));

        Assert.That(error!.ParamName, Is.EqualTo("maxSteps"));
    }

    [Test]
    public void RunUntilIdle_TimersWithoutAutoAdvance_StopsWithTheTimersPending()
    {
        using var test = new LoopTest();
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(5)), "sleeper");

        long steps = test.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(test.Loop.PendingTimerCount, Is.EqualTo(1));
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    public void RunUntilIdle_AutoAdvance_JumpsFromTimerToTimerUntilNoneIsLeft()
    {
        using var test = new LoopTest(new LoopTestOptions { AutoAdvance = true });
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(5)), "five");
        test.Spawn(Sleeper(test, TimeSpan.FromSeconds(2)), "two");

        test.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(test.Trace.OnlyLogs().ToString(), Is.EqualTo("3 two: woke\n5 five: woke"));
        });
    }

    [Test]
    public void RunUntil_ConditionBecomesTrueInTheMiddleOfARound_StopsRightAfterThatStep()
    {
        int count = 0;
        using var test = new LoopTest();
        for (int i = 0; i < 3; i++)
        {
            test.Spawn(Count(), $"t{i}");
        }

        long steps = test.RunUntil(() => count == 5);
        int restOfRound = test.RunRound();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(5));
            Assert.That(test.Loop.TickCount, Is.EqualTo(2));
            Assert.That(restOfRound, Is.EqualTo(1), "t2's step of round 2 was still to run");
        });

        IEnumerator Count()
        {
            while (true)
            {
                count++;
                yield return null;
            }
        }
    }

    [Test]
    public void RunUntil_ConditionAlreadyTrue_RunsNothing()
    {
        using var test = new LoopTest();
        test.Spawn(Spin(), "spinner");

        Assert.Multiple(() =>
        {
            Assert.That(test.RunUntil(() => true), Is.Zero);
            Assert.That(test.Loop.TickCount, Is.Zero);
        });
    }

    [Test]
    public void RunUntil_BudgetRunsOut_FailsSayingTheConditionDidNotHold()
    {
        using var test = new LoopTest();
        test.Spawn(Spin(), "spinner");

        var error = Assert.Throws<LoopTestException>(() => test.RunUntil(() => false, maxSteps: 3));

        Assert.Multiple(() =>
        {
            Assert.That(test.Loop.StepCount, Is.EqualTo(3));
            Assert.That(error!.Message, Does.StartWith(
                "RunUntil: the budget of 3 step(s) ran out before the condition held (3 step(s) run)."));
            Assert.That(error.Message, Does.Contain("coroutine 'spinner' (#1)"));
        });
    }

    [Test]
    public void RunUntil_LoopGoesIdleFirst_FailsSayingNothingWillChangeAndWhatTheTasksWaitFor()
    {
        using var test = new LoopTest();
        test.Spawn(Sleeper(test, TimeSpan.FromHours(1)), "sleeper");

        var error = Assert.Throws<LoopTestException>(() => test.RunUntil(() => false));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith(
                "RunUntil: the loop is idle after 1 step(s) and the condition still does not hold. Nothing is ready and " +
                "nothing is due: move the clock (Advance, AdvanceToNextTimer, RunFor), turn on AutoAdvance, or see below " +
                "what the tasks wait for."));
            Assert.That(error.Message, Does.Contain("coroutine 'sleeper' (#1)"));
            Assert.That(error.Message, Does.EndWith("Last trace lines:\n1 sleeper: wait Wait.For(01:00:00)"));
        });
    }

    [Test]
    public void RunUntil_AutoAdvance_JumpsTimeUntilTheConditionHolds()
    {
        using var test = new LoopTest();
        Coroutine sleeper = test.Spawn(Sleeper(test, TimeSpan.FromHours(1)), "sleeper");
        test.AutoAdvance = true;

        long steps = test.RunUntil(() => sleeper.IsEnded);

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromHours(1)));
        });
    }

    [Test]
    public void RunUntil_RoundWaitFarAhead_RunsTheEmptyRoundsUntilItFires()
    {
        using var test = new LoopTest();
        Coroutine waiter = test.Spawn(WaitRounds(50), "waiter");

        long steps = test.RunUntil(() => waiter.IsEnded);

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(test.Loop.TickCount, Is.EqualTo(51));
        });

        static IEnumerator WaitRounds(int rounds)
        {
            yield return Wait.Ticks(rounds);
        }
    }

    [Test]
    public void RunUntil_NullCondition_Throws()
    {
        using var test = new LoopTest();

        var error = Assert.Throws<ArgumentNullException>(() => test.RunUntil(null!));

        Assert.That(error!.ParamName, Is.EqualTo("condition"));
    }
}
