using static Scheduler.Testing.Tests.Support.Routines;

namespace Scheduler.Testing.Tests;

/// <summary>The fixed-size drivers: one step, one round, N rounds; exact counts of steps and rounds.</summary>
public class StepDriverTests
{
    [Test]
    public void Step_ThreeReadyTasks_StepsThemOneAtATimeInFifoOrderWithinOneRound()
    {
        using var test = new LoopTest();
        Coroutine a = test.Spawn(Yields(1), "a");
        Coroutine b = test.Spawn(Yields(1), "b");
        Coroutine c = test.Spawn(Yields(1), "c");

        var stepped = new List<(Coroutine?, long)>();
        for (int i = 0; i < 4; i++)
        {
            stepped.Add((test.Step(), test.Loop.TickCount));
        }

        Assert.That(stepped, Is.EqualTo(new List<(Coroutine?, long)> { (a, 1), (b, 1), (c, 1), (a, 2) }));
    }

    [Test]
    public void Step_NothingReady_ReturnsNullAndCountsTheEmptyRound()
    {
        using var test = new LoopTest();

        Coroutine? stepped = test.Step();

        Assert.Multiple(() =>
        {
            Assert.That(stepped, Is.Null);
            Assert.That(test.Loop.TickCount, Is.EqualTo(1));
            Assert.That(test.Loop.StepCount, Is.Zero);
        });
    }

    [Test]
    public void RunRound_AfterAStep_FinishesOnlyThePausedRound()
    {
        using var test = new LoopTest();
        test.Spawn(Yields(3), "a");
        test.Spawn(Yields(3), "b");
        test.Spawn(Yields(3), "c");
        test.Step();

        int rest = test.RunRound();
        long roundAfterRest = test.Loop.TickCount;
        int next = test.RunRound();

        Assert.Multiple(() =>
        {
            Assert.That(rest, Is.EqualTo(2), "b and c: the rest of round 1");
            Assert.That(roundAfterRest, Is.EqualTo(1), "the paused round is counted once");
            Assert.That(next, Is.EqualTo(3));
            Assert.That(test.Loop.TickCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void RunRounds_MoreRoundsThanWork_RunsEveryRoundAndReturnsTheSteps()
    {
        using var test = new LoopTest();
        test.Spawn(Yields(1), "a");

        long steps = test.RunRounds(3);

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(test.Loop.TickCount, Is.EqualTo(3));
        });
    }

    [Test]
    public void RunRounds_Zero_RunsNothing()
    {
        using var test = new LoopTest();
        test.Spawn(Yields(1), "a");

        Assert.Multiple(() =>
        {
            Assert.That(test.RunRounds(0), Is.Zero);
            Assert.That(test.Loop.TickCount, Is.Zero);
        });
    }

    [Test]
    public void RunRounds_Negative_ThrowsNamingTheCount()
    {
        using var test = new LoopTest();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => test.RunRounds(-1));

        Assert.That(error!.ParamName, Is.EqualTo("count"));
    }

    [Test]
    public void Spawn_TypedRoutine_ReturnsItsValue()
    {
        using var test = new LoopTest();
        Coroutine<int> answer = test.Spawn<int>(Answer(), "answer");

        test.RunUntilIdle();

        Assert.That(answer.Result, Is.EqualTo(42));

        static IEnumerator Answer()
        {
            yield return null;
            yield return Routine.Return(42);
        }
    }

    [Test]
    public void Dispose_LiveTasks_RunsTheirFinallyBlocks()
    {
        bool cleaned = false;
        var test = new LoopTest();
        test.Spawn(Guarded(), "guarded");
        test.RunRound();

        test.Dispose();

        Assert.That(cleaned, Is.True);

        IEnumerator Guarded()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                cleaned = true;
            }
        }
    }

    [Test]
    public void Constructor_ConfigureLoopSetsTheName_TheLoopHasIt()
    {
        using var test = new LoopTest(new LoopTestOptions { ConfigureLoop = o => o.Name = "orders" });

        Assert.That(test.Loop.Name, Is.EqualTo("orders"));
    }

    [Test]
    public void Constructor_ConfigureLoopReplacesTheClock_ThrowsSayingTheKitOwnsIt()
    {
        var options = new LoopTestOptions { ConfigureLoop = o => o.Clock = TimeProvider.System };

        var error = Assert.Throws<ArgumentException>(() => new LoopTest(options).Dispose());

        Assert.Multiple(() =>
        {
            Assert.That(error!.ParamName, Is.EqualTo("options"));
            Assert.That(error.Message, Does.Contain("must not change Clock or ShuffleSeed"));
        });
    }

    [Test]
    public void Constructor_Start_TheClockStartsThere()
    {
        var start = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);

        using var test = new LoopTest(new LoopTestOptions { Start = start });

        Assert.That(test.Clock.GetUtcNow(), Is.EqualTo(start));
    }
}
