using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// RunOneStep: walks a round one step at a time; a round it leaves half done is finished first by whichever
/// driver runs next (Tick then runs only the rest of it), and the round is counted once, when it starts.
/// </summary>
public class SteppingDriverTests
{
    [Test]
    public void RunOneStep_ThreeReadyTasks_WalksTheRoundOneStepAtATimeThenStartsTheNext()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        foreach (string name in new[] { "a", "b", "c" })
        {
            loop.Spawn(Yielding(trace, loop, name, 2), name);
        }

        var after = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            bool ran = loop.RunOneStep();
            after.Add($"{ran}:r{loop.TickCount}:s{loop.StepCount}:q{loop.ReadyCount}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r1:a r1:b r1:c r2:a"));
            Assert.That(string.Join(" ", after), Is.EqualTo("True:r1:s1:q3 True:r1:s2:q3 True:r1:s3:q3 True:r2:s4:q3"));
        });
    }

    [Test]
    public void Tick_AfterRunOneStep_RunsOnlyTheRestOfThePausedRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        foreach (string name in new[] { "a", "b", "c" })
        {
            loop.Spawn(Yielding(trace, loop, name, 2), name);
        }

        loop.RunOneStep();
        int rest = loop.Tick();
        long roundAfterRest = loop.TickCount;
        int next = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(rest, Is.EqualTo(2));
            Assert.That(roundAfterRest, Is.EqualTo(1), "finishing the paused round does not count a new one");
            Assert.That(next, Is.EqualTo(3));
            Assert.That(loop.TickCount, Is.EqualTo(2));
            Assert.That(trace.ToString(), Is.EqualTo("r1:a r1:b r1:c r2:a r2:b r2:c"));
        });
    }

    [Test]
    public void RunOneStep_NothingReady_ReturnsFalseAndCountsTheEmptyRound()
    {
        using var loop = new EventLoop(new VirtualClock());

        bool first = loop.RunOneStep();
        bool second = loop.RunOneStep();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.False);
            Assert.That(second, Is.False);
            Assert.That(loop.TickCount, Is.EqualTo(2));
            Assert.That(loop.StepCount, Is.Zero);
        });
    }

    [Test]
    public void RunOneStep_TaskSpawnedDuringThePausedRound_RunsInTheNextRoundAfterTheTasksReadyBeforeIt()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Spawner(), "a");
        loop.Spawn(Yielding(trace, loop, "b", 1), "b");

        for (int i = 0; i < 5; i++)
        {
            loop.RunOneStep();
        }

        // Round 1 leaves the queue [c (spawned by a), a (requeued after the spawn), b], as a Tick would.
        Assert.That(trace.ToString(), Is.EqualTo("r1:a r1:b r2:c r2:a-end r2:b"));

        IEnumerator Spawner()
        {
            trace.Add($"r{loop.TickCount}:a");
            loop.Spawn(Yielding(trace, loop, "c", 0), "c");
            yield return null;
            trace.Add($"r{loop.TickCount}:a-end");
        }
    }

    [Test]
    public void RunOneStep_StartingANewRound_RunsThePostsAndDueTimersFirst()
    {
        var trace = new Trace();
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        loop.Spawn(Sleeper(), "sleeper");
        loop.Tick();
        clock.Advance(TimeSpan.FromSeconds(5));
        loop.Post(() => trace.Add($"r{loop.TickCount}:post"));

        bool ran = loop.RunOneStep();

        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.True);
            Assert.That(trace.ToString(), Is.EqualTo("r2:post r2:woke"));
            Assert.That(loop.TickCount, Is.EqualTo(2));
        });

        IEnumerator Sleeper()
        {
            yield return Wait.For(TimeSpan.FromSeconds(5));
            trace.Add($"r{loop.TickCount}:woke");
        }
    }

    [Test]
    public void RunUntilIdle_AfterRunOneStep_FinishesThePausedRoundFirstAndCountsItOnce()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        foreach (string name in new[] { "a", "b", "c" })
        {
            loop.Spawn(Yielding(trace, loop, name, 1), name);
        }

        loop.RunOneStep();
        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r1:a r1:b r1:c r2:a r2:b r2:c"));
            Assert.That(steps, Is.EqualTo(5));
            Assert.That(loop.TickCount, Is.EqualTo(3), "rounds 1 and 2, then the round that found nothing");
        });
    }

    [Test]
    public void RunOneStep_FaultingStep_ReturnsTrueAndTheRestOfTheRoundStillRuns()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        Coroutine failing = loop.Spawn(Fails(), "failing");
        loop.Spawn(Yielding(trace, loop, "b", 1), "b");

        bool first = loop.RunOneStep();
        bool second = loop.RunOneStep();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(failing.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(second, Is.True);
            Assert.That(trace.ToString(), Is.EqualTo("r1:b"));
            Assert.That(loop.TickCount, Is.EqualTo(1));
        });

        static IEnumerator Fails()
        {
            throw new InvalidOperationException("expected");
#pragma warning disable CS0162 // an iterator needs a yield to be one
            yield break;
#pragma warning restore CS0162
        }
    }

    [Test]
    public void RunOneStep_FromInsideAStep_Throws()
    {
        Exception? error = null;
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Reenter(), "reenter");

        loop.RunOneStep();

        Assert.That(error, Is.TypeOf<InvalidOperationException>());

        IEnumerator Reenter()
        {
            try
            {
                loop.RunOneStep();
            }
            catch (InvalidOperationException ex)
            {
                error = ex;
            }

            yield break;
        }
    }

    [Test]
    public void RunOneStep_DisposedLoop_Throws()
    {
        var loop = new EventLoop(new VirtualClock());
        loop.Dispose();

        Assert.Throws<ObjectDisposedException>(() => loop.RunOneStep());
    }

    private static IEnumerator Yielding(Trace trace, EventLoop loop, string name, int yields)
    {
        for (int i = 0; i <= yields; i++)
        {
            trace.Add($"r{loop.TickCount}:{name}");
            if (i < yields)
            {
                yield return null;
            }
        }
    }
}
