using Microsoft.Extensions.Logging;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coroutines;

/// <summary>Joins (Semantics 4): yielding a coroutine waits for it to end, like <c>await</c>.</summary>
public class JoinTests
{
    [Test]
    public void Join_CompletedTask_ResumesNextRoundAndReadsResult()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> target = loop.Spawn<int>(Answer(), "target");
        Assert.That(loop.Tick(), Is.EqualTo(1)); // round 1: the target returns 42 in its only step
        Assert.That(target.State, Is.EqualTo(CoroutineState.Completed));

        Coroutine joiner = loop.Spawn(Joiner(), "joiner");
        long steps = loop.RunUntilIdle();

        // Round 2: the joiner yields the finished target, which still ends its step; round 3: it resumes.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("join@2 resumed@3 result=42"));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(loop.TickCount, Is.EqualTo(4)); // round 4 runs nothing: idle
        });

        IEnumerator Answer()
        {
            yield return Routine.Return(42);
        }

        IEnumerator Joiner()
        {
            trace.Add($"join@{loop.TickCount}");
            yield return target;
            trace.Add($"resumed@{loop.TickCount}");
            trace.Add($"result={target.Result}");
        }
    }

    [Test]
    public void Join_PendingTask_ResumesTheRoundAfterTheTargetEnds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<string> target = loop.Spawn<string>(Target(), "target");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");

        long steps = loop.RunUntilIdle();

        // The target yields 3 times and returns: 4 steps, it ends in round 4. The joiner joined in round 1 and
        // becomes ready during round 4's steps, so it runs in round 5.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("t@1 j@1 t@2 t@3 t@4 j@5:done"));
            Assert.That(target.Steps, Is.EqualTo(4));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(steps, Is.EqualTo(6));
            Assert.That(loop.TickCount, Is.EqualTo(6));
        });

        IEnumerator Target()
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"t@{loop.TickCount}");
                yield return null;
            }

            trace.Add($"t@{loop.TickCount}");
            yield return Routine.Return("done");
        }

        IEnumerator Joiner()
        {
            trace.Add($"j@{loop.TickCount}");
            yield return target;
            trace.Add($"j@{loop.TickCount}:{target.Result}");
        }
    }

    [Test]
    public void Join_FaultedTask_JoinerFaultsWithSameInstanceInItsNextTurn()
    {
        var trace = new Trace();
        var error = new InvalidOperationException("target failed");
        using var loop = new EventLoop(new VirtualClock());
        Coroutine target = loop.Spawn(Target(), "target");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");

        long steps = loop.RunUntilIdle();

        // The target throws in round 2; the joiner's disposal is its own turn in round 3 (a step): its finally
        // runs there, the code after the join never does.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("join@1 finally@3"));
            Assert.That(target.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(target.Exception, Is.SameAs(error));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(joiner.Exception, Is.SameAs(error));
            Assert.That(Assert.Throws<InvalidOperationException>(() => _ = joiner.Result), Is.SameAs(error));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(4));
            Assert.That(loop.TickCount, Is.EqualTo(4));
        });

        IEnumerator Target()
        {
            yield return null;
            throw error;
        }

        IEnumerator Joiner()
        {
            try
            {
                trace.Add($"join@{loop.TickCount}");
                yield return target;
                trace.Add("after-join");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Join_CanceledTask_JoinerEndsCanceled()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine target = loop.Spawn(Forever(), "target");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");
        loop.Tick(); // round 1: the target parks forever, the joiner joins it

        Assert.That(target.Cancel(), Is.True);
        long steps = loop.RunUntilIdle();

        // Round 2: the target's disposal turn ends it canceled and wakes the joiner; round 3: the joiner's disposal.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("join@1 finally@3"));
            Assert.That(target.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(joiner.Exception, Is.Null);
            Assert.Throws<OperationCanceledException>(() => _ = joiner.Result);
            Assert.That(target.Steps, Is.EqualTo(2));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(2));
        });

        IEnumerator Joiner()
        {
            try
            {
                trace.Add($"join@{loop.TickCount}");
                yield return target;
                trace.Add("after-join");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Join_HundredJoiners_WakeInJoinOrderNotSpawnOrder()
    {
        const int count = 100;
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine target = loop.Spawn(Target(), "target");
        var joiners = new Coroutine[count];
        for (int i = 0; i < count; i++)
        {
            joiners[i] = loop.Spawn(Joiner(i), $"j{i}");
        }

        long steps = loop.RunUntilIdle();

        // Joiner i joins in round 1 + (count - i): joiner 99 first (round 2), joiner 0 last (round 101). The target
        // ends in round 201, so every joiner runs in round 202, in the order they joined: 99 down to 0.
        string expected = string.Join(" ", Enumerable.Range(0, count).Reverse().Select(i => $"j{i}@202"));
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(expected));
            Assert.That(target.Steps, Is.EqualTo(2));
            Assert.That(joiners.Select(j => j.Steps), Is.All.EqualTo(3));
            Assert.That(joiners.Select(j => j.State), Is.All.EqualTo(CoroutineState.Completed));
            Assert.That(steps, Is.EqualTo(2 + (3 * count)));
            Assert.That(loop.TickCount, Is.EqualTo(203));
        });

        IEnumerator Target()
        {
            yield return Wait.Ticks(200);
        }

        IEnumerator Joiner(int i)
        {
            yield return Wait.Ticks(count - i);
            yield return target;
            trace.Add($"j{i}@{loop.TickCount}");
        }
    }

    private static IEnumerable<TestCaseData> SelfJoins()
    {
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(self => self)).SetArgDisplayNames("self");
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(self => Wait.Settled(self))).SetArgDisplayNames("Wait.Settled(self)");
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(self => Wait.All(self))).SetArgDisplayNames("Wait.All(self)");
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(self => Wait.Any(Wait.Ticks(3), Wait.For(TimeSpan.FromSeconds(1)), self)))
            .SetArgDisplayNames("Wait.Any(Ticks(3), For(1s), self)");
    }

    [TestCaseSource(nameof(SelfJoins))]
    public void Join_Self_FaultsWithClearErrorAndLeavesNothingParked(Func<Coroutine, WaitCondition> makeWait)
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine self = loop.Spawn(Narcissus(), "narcissus");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(self.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(self.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(self.Exception!.Message, Does.Contain("coroutine 'narcissus' (#1)").And.Contain("itself"));
            Assert.That(trace.ToString(), Is.EqualTo("join@1 finally@1"));
            Assert.That(self.Steps, Is.EqualTo(1));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(loop.PendingTimerCount, Is.Zero); // no branch of a composite is left behind
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Narcissus()
        {
            try
            {
                trace.Add($"join@{loop.TickCount}");
                yield return makeWait(loop.Current!);
                trace.Add("after-join");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [TestCase(CoroutineState.Completed)]
    [TestCase(CoroutineState.Faulted)]
    [TestCase(CoroutineState.Canceled)]
    public void Settled_AnyOutcome_ResumesWithoutInheritingIt(CoroutineState outcome)
    {
        var trace = new Trace();
        var logger = new CollectingLogger();
        var error = new InvalidOperationException("target failed");
        var reported = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, e) => reported.Add(e);
        Coroutine target = loop.Spawn(Target(), "target");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");
        loop.Tick(); // round 1: the target yields (or parks), the joiner joins it settled
        if (outcome == CoroutineState.Canceled)
        {
            target.Cancel();
        }

        long steps = loop.RunUntilIdle();

        // The target ends in round 2 (its second step, or its disposal turn); the joiner resumes in round 3.
        Assert.Multiple(() =>
        {
            Assert.That(target.State, Is.EqualTo(outcome));
            Assert.That(trace.ToString(), Is.EqualTo($"join@1 resumed@3:{outcome}"));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(joiner.Exception, Is.Null);
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(reported, Is.Empty, "a fault with a settled joiner is observed");
            Assert.That(logger.Entries.Where(e => e.Level >= LogLevel.Warning), Is.Empty);
        });

        IEnumerator Target()
        {
            if (outcome == CoroutineState.Canceled)
            {
                yield return Wait.Forever;
            }

            yield return null;
            if (outcome == CoroutineState.Faulted)
            {
                throw error;
            }
        }

        IEnumerator Joiner()
        {
            trace.Add($"join@{loop.TickCount}");
            yield return Wait.Settled(target);
            trace.Add($"resumed@{loop.TickCount}:{target.State}");
        }
    }

    [Test]
    public void Settled_FaultedTask_ExceptionReadableWithoutReport()
    {
        var error = new InvalidOperationException("target failed");
        var logger = new CollectingLogger();
        int reports = 0;
        Exception? seen = null;
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, _) => reports++;
        Coroutine target = loop.Spawn(Target(), "target");
        Coroutine inspector = loop.Spawn(Inspector(), "inspector");

        loop.RunUntilIdle();
        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.SameAs(error));
            Assert.That(inspector.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(reports, Is.Zero);
            Assert.That(logger.Entries, Is.Empty);
        });

        IEnumerator Target()
        {
            yield return null;
            throw error;
        }

        IEnumerator Inspector()
        {
            yield return Wait.Settled(target);
            seen = target.Exception;
        }
    }

    private static IEnumerator Forever()
    {
        yield return Wait.Forever;
    }
}
