using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coroutines;

/// <summary>
/// Cancellation (Semantics 5): no user code on the spot; the next turn (a step) disposes the stack innermost
/// first, each <c>finally</c> once, on the loop thread.
/// </summary>
public class CancellationTests
{
    [Test]
    public void Cancel_QueuedTaskBetweenRounds_DisposalTakesItsQueuedPlace()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Worker(trace, loop, "a"), "a");
        Coroutine b = loop.Spawn(Worker(trace, loop, "b"), "b");
        loop.Spawn(Worker(trace, loop, "c"), "c");
        loop.Tick(); // round 1: a0 b0 c0, all three queued again

        Assert.That(b.Cancel(), Is.True);
        Assert.That(b.State, Is.EqualTo(CoroutineState.Ready), "no user code runs on the spot");
        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@1 b@1 c@1 a@2 b-finally@2 c@2"));
            Assert.That(steps, Is.EqualTo(3));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(b.Steps, Is.EqualTo(2));
        });
    }

    [Test]
    public void Cancel_QueuedTaskFromAnEarlierStepOfTheSameRound_DisposedInItsPlaceThisRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine? b = null;
        loop.Spawn(Canceller(), "a");
        b = loop.Spawn(Worker(trace, loop, "b"), "b");
        loop.Spawn(Worker(trace, loop, "c"), "c");

        loop.Tick();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@1 b@1 c@1 a@2:cancel-b=True b-finally@2 c@2"));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(b.Steps, Is.EqualTo(2));
        });

        IEnumerator Canceller()
        {
            trace.Add($"a@{loop.TickCount}");
            yield return null;
            trace.Add($"a@{loop.TickCount}:cancel-b={b!.Cancel()}");
            yield return null;
        }
    }

    [Test]
    public void Cancel_TaskThatAlreadyRanThisRound_DisposedFirstNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine? a = null;
        a = loop.Spawn(Worker(trace, loop, "a"), "a");
        loop.Spawn(Worker(trace, loop, "b"), "b");
        loop.Spawn(Canceller(), "c");

        loop.Tick();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@1 b@1 c@1:cancel-a=True a-finally@2 b@2"));
            Assert.That(a.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(a.Steps, Is.EqualTo(2));
        });

        IEnumerator Canceller()
        {
            trace.Add($"c@{loop.TickCount}:cancel-a={a!.Cancel()}");
            yield return Wait.Forever;
        }
    }

    [Test]
    public void Cancel_NotYetStarted_RunsNoFinallyAndEndsCanceled()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine task = loop.Spawn(Worker(trace, loop, "t"), "t");

        Assert.That(task.Cancel(), Is.True);
        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.Events, Is.Empty, "nothing was entered, so no finally runs");
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Steps, Is.EqualTo(1));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(loop.LiveCount, Is.Zero);
        });
    }

    private static IEnumerable<TestCaseData> EveryWait()
    {
        yield return Case("Wait.For(1h)", _ => Wait.For(TimeSpan.FromHours(1)));
        yield return Case("Wait.Ticks(5)", _ => Wait.Ticks(5));
        yield return Case("Wait.Until(false)", _ => Wait.Until(() => false));
        yield return Case("Wait.While(true)", _ => Wait.While(() => true));
        yield return Case("join", other => other);
        yield return Case("Wait.All(For(1h), join)", other => Wait.All(Wait.For(TimeSpan.FromHours(1)), other));
        yield return Case("Wait.Any(Ticks(5), Until(false), join)", other => Wait.Any(Wait.Ticks(5), Wait.Until(() => false), other));
        yield return Case("Wait.Forever", _ => Wait.Forever);
        yield return Case("Wait.Settled", other => Wait.Settled(other));

        static TestCaseData Case(string name, Func<Coroutine, WaitCondition> makeWait) =>
            new TestCaseData(makeWait).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(EveryWait))]
    public void Cancel_Waiting_DisposedNextRoundOnLoopThreadAndUnlinked(Func<Coroutine, WaitCondition> makeWait)
    {
        int loopThread = Environment.CurrentManagedThreadId;
        var trace = new Trace();
        var finallyThreads = new List<int>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine other = loop.Spawn(Sleeper(), "other");
        Coroutine victim = loop.Spawn(Victim(), "victim");
        loop.Tick(); // round 1: both park
        loop.Tick(); // round 2: nothing fires
        Assert.That(victim.State, Is.EqualTo(CoroutineState.Waiting));

        Assert.That(victim.Cancel(), Is.True);

        // Unlinked at once: no timer, round wait or predicate of the victim is left.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1"), "no user code runs on the spot");
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(loop.PendingPredicateCount, Is.Zero);
        });

        int steps = loop.Tick(); // round 3: the disposal turn

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 finally@3"));
            Assert.That(finallyThreads, Is.EqualTo(new[] { loopThread }));
            Assert.That(victim.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(victim.Steps, Is.EqualTo(2));
        });

        // The other coroutine's end does not wake the canceled victim: only the other's disposal runs.
        other.Cancel();
        long later = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(later, Is.EqualTo(1));
            Assert.That(victim.Steps, Is.EqualTo(2));
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 finally@3"));
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Victim()
        {
            try
            {
                trace.Add($"wait@{loop.TickCount}");
                yield return makeWait(other);
                trace.Add("resumed");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
                finallyThreads.Add(Environment.CurrentManagedThreadId);
            }
        }
    }

    [Test]
    public void Cancel_FromAnotherThread_FinallyRunsOnTheLoopThread()
    {
        int loopThread = Environment.CurrentManagedThreadId;
        var finallyThreads = new List<int>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine victim = loop.Spawn(Victim(), "victim");
        loop.Tick();

        bool canceled = false;
        int cancelThread = 0;
        var thread = new Thread(() =>
        {
            cancelThread = Environment.CurrentManagedThreadId;
            canceled = victim.Cancel();
        });
        thread.Start();
        thread.Join();

        Assert.That(finallyThreads, Is.Empty, "a cancel from another thread runs no user code there");
        int steps = loop.Tick(); // round 2: phase (a) applies the cancel, phase (c) runs the disposal

        Assert.Multiple(() =>
        {
            Assert.That(canceled, Is.True);
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(finallyThreads, Is.EqualTo(new[] { loopThread }));
            Assert.That(finallyThreads, Has.None.EqualTo(cancelThread));
            Assert.That(victim.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(victim.Steps, Is.EqualTo(2));
        });

        IEnumerator Victim()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                finallyThreads.Add(Environment.CurrentManagedThreadId);
            }
        }
    }

    [Test]
    public void Cancel_ParkedTaskFromAStep_DisposalRunsInTheNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine victim = loop.Spawn(Victim(), "victim");
        loop.Spawn(Canceller(), "canceller");

        long steps = loop.RunUntilIdle();

        // The canceller runs in rounds 1, 2 and 3 and cancels in round 3: the victim, unparked and queued during
        // round 3's steps, runs its disposal in round 4.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("victim@1 cancel@3 victim-finally@4"));
            Assert.That(victim.Steps, Is.EqualTo(2));
            Assert.That(victim.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(steps, Is.EqualTo(1 + 3 + 1));
        });

        IEnumerator Victim()
        {
            try
            {
                trace.Add($"victim@{loop.TickCount}");
                yield return Wait.For(TimeSpan.FromMinutes(1));
            }
            finally
            {
                trace.Add($"victim-finally@{loop.TickCount}");
            }
        }

        IEnumerator Canceller()
        {
            yield return null;
            yield return null;
            trace.Add($"cancel@{loop.TickCount}");
            victim.Cancel();
        }
    }

    [Test]
    public void Cancel_Delegating_DisposesThreeFramesInnermostFirstEachOnce()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine task = loop.Spawn(Frame("outer", Frame("middle", Frame("inner", null))), "task");
        loop.Tick(); // round 1: three frames deep, parked forever

        task.Cancel();
        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("outer@1 middle@1 inner@1 inner-finally@2 middle-finally@2 outer-finally@2"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(1));
        });

        IEnumerator Frame(string name, IEnumerator? child)
        {
            try
            {
                trace.Add($"{name}@{loop.TickCount}");
                yield return child ?? (object)Wait.Forever;
                trace.Add($"{name}-resumed");
            }
            finally
            {
                trace.Add($"{name}-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Cancel_Self_DisposedAtEndOfCurrentStepWithoutExtraStep()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine task = loop.Spawn(Body(), "task");
        loop.Spawn(Other(), "other");

        long steps = loop.RunUntilIdle();

        // The rest of the step runs up to its yield; the disposal follows right after MoveNext returns, before
        // the next coroutine's turn.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("task@1 cancel=True again=False after-cancel task-finally@1 other@1"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Steps, Is.EqualTo(1));
            Assert.That(steps, Is.EqualTo(1 + 1));
        });

        IEnumerator Body()
        {
            try
            {
                trace.Add($"task@{loop.TickCount}");
                trace.Add($"cancel={loop.Current!.Cancel()}");
                trace.Add($"again={loop.Current!.Cancel()}");
                trace.Add("after-cancel");
                yield return null;
                trace.Add("next-step");
            }
            finally
            {
                trace.Add($"task-finally@{loop.TickCount}");
            }
        }

        IEnumerator Other()
        {
            trace.Add($"other@{loop.TickCount}");
            yield break;
        }
    }

    private static IEnumerable<TestCaseData> SelfCancelEndings()
    {
        yield return new TestCaseData("falls off the end").SetArgDisplayNames("returns");
        yield return new TestCaseData("Routine.Return").SetArgDisplayNames("Routine.Return");
        yield return new TestCaseData("Wait.For").SetArgDisplayNames("parks on a timer");
        yield return new TestCaseData("join").SetArgDisplayNames("joins");
    }

    [TestCaseSource(nameof(SelfCancelEndings))]
    public void Cancel_SelfInNestedFrame_EndsCanceledHowEverTheStepEnds(string ending)
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine sleeper = loop.Spawn(Sleeper(), "sleeper");
        Coroutine<int> task = loop.Spawn<int>(Outer(), "task");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("inner-finally@1 outer-finally@1"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Exception, Is.Null);
            Assert.Throws<OperationCanceledException>(() => _ = task.Result);
            Assert.That(task.Steps, Is.EqualTo(1));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        // Nothing of the task is left parked on the sleeper: its end wakes no one.
        sleeper.Cancel();
        Assert.Multiple(() =>
        {
            Assert.That(loop.RunUntilIdle(), Is.EqualTo(1));
            Assert.That(task.Steps, Is.EqualTo(1));
        });

        IEnumerator Outer()
        {
            try
            {
                var call = Routine.Call<int>(Inner());
                yield return call;
                trace.Add("outer-resumed"); // the parent frame does not resume: the step ends with the disposal
                yield return Routine.Return(call.Result);
            }
            finally
            {
                trace.Add($"outer-finally@{loop.TickCount}");
            }
        }

        IEnumerator Inner()
        {
            try
            {
                loop.Current!.Cancel();
                switch (ending)
                {
                    case "Routine.Return":
                        yield return Routine.Return(5);
                        break;
                    case "Wait.For":
                        yield return Wait.For(TimeSpan.FromSeconds(1));
                        break;
                    case "join":
                        yield return sleeper;
                        break;
                }
            }
            finally
            {
                trace.Add($"inner-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Cancel_SelfInRootStepThatReturns_EndsCanceled()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> task = loop.Spawn<int>(Body(), "task");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(2));
        });

        IEnumerator Body()
        {
            yield return null;
            loop.Current!.Cancel();
            yield return Routine.Return(7);
        }
    }

    [Test]
    public void Cancel_ReturnsTrueOnceThenFalse()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine task = loop.Spawn(Sleeper(), "task");
        loop.Tick();

        bool first = task.Cancel();
        bool second = task.Cancel();
        loop.Tick();
        bool afterEnd = task.Cancel();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(afterEnd, Is.False);
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Steps, Is.EqualTo(2));
        });
    }

    [TestCase(CoroutineState.Completed)]
    [TestCase(CoroutineState.Faulted)]
    [TestCase(CoroutineState.Canceled)]
    public void Cancel_EndedTask_ReturnsFalseAndChangesNothing(CoroutineState outcome)
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine task = loop.Spawn(Body(), "task");
        if (outcome == CoroutineState.Canceled)
        {
            task.Cancel();
        }

        loop.RunUntilIdle();
        Exception? exception = task.Exception;
        long stepCount = loop.StepCount;

        bool result = task.Cancel();
        long later = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.False);
            Assert.That(task.State, Is.EqualTo(outcome));
            Assert.That(task.Exception, Is.SameAs(exception));
            Assert.That(later, Is.Zero);
            Assert.That(loop.StepCount, Is.EqualTo(stepCount));
        });

        IEnumerator Body()
        {
            yield return null;
            if (outcome == CoroutineState.Faulted)
            {
                throw new InvalidOperationException("faulted");
            }
        }
    }

    [Test]
    public void Cancel_Sleeper_LeavesNoTimerBehind()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var sleepers = new List<Coroutine>();
        for (int i = 1; i <= 10; i++)
        {
            sleepers.Add(loop.Spawn(Sleep(TimeSpan.FromSeconds(i)), $"s{i}"));
        }

        loop.Tick();
        Assert.That(loop.PendingTimerCount, Is.EqualTo(10));

        foreach (Coroutine sleeper in sleepers)
        {
            sleeper.Cancel();
        }

        Assert.That(loop.PendingTimerCount, Is.Zero);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Multiple(() =>
        {
            Assert.That(loop.Tick(), Is.EqualTo(10)); // the ten disposals, nothing fires
            Assert.That(loop.Tick(), Is.Zero);
            Assert.That(sleepers.Select(s => s.Steps), Is.All.EqualTo(2));
            Assert.That(sleepers.Select(s => s.State), Is.All.EqualTo(CoroutineState.Canceled));
        });

        static IEnumerator Sleep(TimeSpan duration)
        {
            yield return Wait.For(duration);
        }
    }

    [Test]
    public void Cancel_Joiner_TargetsLaterFaultDoesNotWakeItAndIsUnobserved()
    {
        var error = new InvalidOperationException("target failed later");
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine target = loop.Spawn(Target(), "target");
        Coroutine joiner = loop.Spawn(Join(target), "joiner");
        loop.Tick(); // round 1: the joiner joins

        joiner.Cancel();
        long steps = loop.RunUntilIdle();

        // Round 2: the joiner's disposal. The target throws in round 4 with no joiner left: reported as its own.
        Assert.Multiple(() =>
        {
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(target.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(reports.Select(r => r.Coroutine), Is.EqualTo(new[] { target }));
            Assert.That(reports.Select(r => r.Exception), Is.EqualTo(new[] { error }));
            Assert.That(steps, Is.EqualTo(2));
        });

        IEnumerator Target()
        {
            yield return Wait.Ticks(3);
            throw error;
        }

        static IEnumerator Join(Coroutine other)
        {
            yield return other;
        }
    }

    private static IEnumerable<TestCaseData> JoinsOfOther()
    {
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(other => other)).SetArgDisplayNames("join");
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(other => Wait.All(other, Wait.Ticks(10))))
            .SetArgDisplayNames("Wait.All(join, Ticks(10))");
        yield return new TestCaseData((Func<Coroutine, WaitCondition>)(other => Wait.Any(Wait.Ticks(10), other)))
            .SetArgDisplayNames("Wait.Any(Ticks(10), join)");
    }

    [TestCaseSource(nameof(JoinsOfOther))]
    public void Cancel_TargetOfAWaitingTask_WaiterEndsCanceled(Func<Coroutine, WaitCondition> makeWait)
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine target = loop.Spawn(Sleeper(), "target");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");
        loop.Tick(); // round 1: both park

        target.Cancel();
        long steps = loop.RunUntilIdle();

        // Round 2: the target's disposal wakes the waiter; round 3: the waiter's disposal.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("finally@3"));
            Assert.That(target.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(waiter.Exception, Is.Null);
            Assert.That(waiter.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Waiter()
        {
            try
            {
                yield return makeWait(target);
                trace.Add("resumed");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Cancel_Dispose_IsNotAFault()
    {
        var logger = new CollectingLogger();
        int reports = 0;
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, _) => reports++;
        Coroutine task = loop.Spawn(Sleeper(), "task");
        loop.Tick();

        task.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(task.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.Exception, Is.Null);
            Assert.That(reports, Is.Zero);
            Assert.That(logger.Entries, Is.Empty);
        });
    }

    private static IEnumerator Worker(Trace trace, EventLoop loop, string name)
    {
        try
        {
            while (true)
            {
                trace.Add($"{name}@{loop.TickCount}");
                yield return null;
            }
        }
        finally
        {
            trace.Add($"{name}-finally@{loop.TickCount}");
        }
    }

    private static IEnumerator Sleeper()
    {
        yield return Wait.Forever;
    }
}
