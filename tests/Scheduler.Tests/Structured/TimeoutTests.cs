using Scheduler.Tests.Support;

namespace Scheduler.Tests.Structured;

/// <summary>
/// <c>WithTimeout</c>: any wait raced against a time limit. The result says which won, and the losing
/// registration (the timer, or the join) is removed the moment the other fires.
/// </summary>
public class TimeoutTests
{
    private static readonly TimeSpan s_second = TimeSpan.FromSeconds(1);

    [Test]
    public void WithTimeout_InnerFiresFirst_ResumesTheRoundAfterAndRemovesTheTimer()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine<int> worker = loop.Spawn<int>(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        // Round 1: both park (the worker on 2 s, the waiter on the join and a 5 s timer, two timers in all).
        // Round 2 finds nothing to do and the clock jumps to 2 s; round 3: the worker returns; round 4: the
        // waiter resumes. Nothing is left to jump to 5 s.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 resumed@4 at 00:00:02 timedOut=False result=42 pending=0"));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(2)), "no timeout timer left to jump to");
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Worker()
        {
            yield return Wait.For(TimeSpan.FromSeconds(2));
            yield return Routine.Return(42);
        }

        IEnumerator Waiter()
        {
            TimeoutWait reply = worker.WithTimeout(TimeSpan.FromSeconds(5));
            trace.Add($"wait@{loop.TickCount}");
            yield return reply;
            trace.Add($"resumed@{loop.TickCount} at {clock.Elapsed} timedOut={reply.TimedOut} result={worker.Result} pending={loop.PendingTimerCount}");
        }
    }

    [Test]
    public void WithTimeout_TimeoutFiresFirst_ResumesAtTheLimitAndLeavesNoJoinBehind()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        // Round 2 is idle and the clock jumps to 2 s; the limit fires in phase (b) of round 3 and the waiter runs in
        // that round: its join of the worker is gone. It then parks forever; the worker's end at 10 s (round 5,
        // after the idle round 4) does not wake it.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("resumed@3 at 00:00:02 timedOut=True joiners=0 pending=1 worker-done@5 at 00:00:10"));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Waiting), "the worker's end woke nobody");
            Assert.That(waiter.Steps, Is.EqualTo(2));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        Assert.That(waiter.Cancel(), Is.True);
        loop.RunUntilIdle();
        Assert.That(waiter.State, Is.EqualTo(CoroutineState.Canceled));

        IEnumerator Worker()
        {
            yield return Wait.For(TimeSpan.FromSeconds(10));
            trace.Add($"worker-done@{loop.TickCount} at {clock.Elapsed}");
        }

        IEnumerator Waiter()
        {
            TimeoutWait reply = worker.WithTimeout(TimeSpan.FromSeconds(2));
            yield return reply;
            trace.Add($"resumed@{loop.TickCount} at {clock.Elapsed} timedOut={reply.TimedOut} " +
                $"joiners={worker._extras?.Joiners?.Count ?? 0} pending={loop.PendingTimerCount}");
            yield return Wait.Forever;
        }
    }

    [Test]
    public void WithTimeout_TimedOutThenTargetCanceled_WaiterIsNotWoken()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var reported = new List<Coroutine?>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Coroutine);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        // The waiter times out at 1 s and cancels the worker, whose end wakes nobody: the waiter sleeps its full
        // minute.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("timedOut=True at 00:00:01 worker-finally woke at 00:01:01"));
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed), "the cancel did not end the waiter's sleep");
            Assert.That(waiter.Steps, Is.EqualTo(3));
            Assert.That(reported, Is.Empty);
        });

        IEnumerator Worker()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add("worker-finally");
            }
        }

        IEnumerator Waiter()
        {
            TimeoutWait reply = worker.WithTimeout(s_second);
            yield return reply;
            trace.Add($"timedOut={reply.TimedOut} at {clock.Elapsed}");
            worker.Cancel();
            yield return Wait.For(TimeSpan.FromSeconds(60));
            trace.Add($"woke at {clock.Elapsed}");
        }
    }

    [Test]
    public void WithTimeout_InnerCoroutineFaultsFirst_WaiterFaultsWithThatInstance()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var boom = new InvalidOperationException("boom");
        var reported = new List<Coroutine?>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Coroutine);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("waiter-finally@4"));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(waiter.Exception, Is.SameAs(boom));
            Assert.That(clock.Elapsed, Is.EqualTo(s_second), "the 5 s limit was removed");
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(reported, Is.EqualTo(new[] { waiter }), "the worker's fault was observed by the wait");
        });

        IEnumerator Worker()
        {
            yield return Wait.For(s_second);
            throw boom;
        }

        IEnumerator Waiter()
        {
            try
            {
                yield return worker.WithTimeout(TimeSpan.FromSeconds(5));
                trace.Add("waiter-resumed");
            }
            finally
            {
                trace.Add($"waiter-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void WithTimeout_InnerCoroutineCanceledFirst_WaiterEndsCanceled()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine worker = loop.Spawn(ParkForever(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");
        loop.Tick();

        worker.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Waiter()
        {
            yield return worker.WithTimeout(TimeSpan.FromSeconds(5));
        }
    }

    [Test]
    public void WithTimeout_SettledInnerFaultsFirst_ResumesWithoutTheFault()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("timedOut=False worker=Faulted at 00:00:01"));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(reported, Is.Empty, "a settled wait observes the fault");
        });

        IEnumerator Worker()
        {
            yield return Wait.For(s_second);
            throw new InvalidOperationException("boom");
        }

        IEnumerator Waiter()
        {
            TimeoutWait settled = Wait.Settled(worker).WithTimeout(TimeSpan.FromSeconds(5));
            yield return settled;
            trace.Add($"timedOut={settled.TimedOut} worker={worker.State} at {clock.Elapsed}");
        }
    }

    [TestCase(-1L)]
    [TestCase(-10_000_000L)]
    [TestCase(long.MinValue)]
    public void WithTimeout_NegativeTimeout_ThrowsArgumentOutOfRangeNamingTimeout(long ticks)
    {
        ArgumentOutOfRangeException? error = Assert.Throws<ArgumentOutOfRangeException>(
            () => Wait.NextTick.WithTimeout(TimeSpan.FromTicks(ticks)));

        Assert.That(error!.ParamName, Is.EqualTo("timeout"));
    }

    [Test]
    public void WithTimeout_NullOrNonComposableWait_ThrowsNamingWait()
    {
        ArgumentNullException? nullWait = Assert.Throws<ArgumentNullException>(() => ((WaitCondition)null!).WithTimeout(s_second));
        ArgumentException? returnWait = Assert.Throws<ArgumentException>(() => Routine.Return(1).WithTimeout(s_second));

        Assert.Multiple(() =>
        {
            Assert.That(nullWait!.ParamName, Is.EqualTo("wait"));
            Assert.That(returnWait!.ParamName, Is.EqualTo("wait"));
            Assert.That(returnWait.Message, Does.Contain("Routine.Return(1)"));
        });
    }

    [Test]
    public void WithTimeout_InfiniteTimeout_NeverTimesOutAndHoldsNoTimer()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine forever = loop.Spawn(Forever(), "forever");
        loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("pending=1 timedOut=False at 1.00:00:00"));
            Assert.That(forever.State, Is.EqualTo(CoroutineState.Waiting), "an infinite limit never fires");
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Worker()
        {
            yield return Wait.For(TimeSpan.FromDays(1));
        }

        IEnumerator Forever()
        {
            yield return Wait.Forever.WithTimeout(TimeSpan.MaxValue);
            trace.Add("forever-resumed");
        }

        IEnumerator Waiter()
        {
            TimeoutWait unlimited = worker.WithTimeout(Timeout.InfiniteTimeSpan);
            yield return null;
            trace.Add($"pending={loop.PendingTimerCount}"); // the worker's day; no timer for the limits
            yield return unlimited;
            trace.Add($"timedOut={unlimited.TimedOut} at {clock.Elapsed}");
        }
    }

    [Test]
    public void WithTimeout_ZeroTimeout_TimesOutNextRoundUnlessTheWaitAlreadyHolds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine done = loop.Spawn(OneRound(), "done");
        loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("forever@3:timedOut=True done@4:timedOut=False"));

        IEnumerator Waiter()
        {
            yield return null; // 'done' ends in round 2
            TimeoutWait never = Wait.Forever.WithTimeout(TimeSpan.Zero);
            yield return never;
            trace.Add($"forever@{loop.TickCount}:timedOut={never.TimedOut}");
            TimeoutWait finished = done.WithTimeout(TimeSpan.Zero);
            yield return finished;
            trace.Add($"done@{loop.TickCount}:timedOut={finished.TimedOut}");
        }
    }

    [Test]
    public void WithTimeout_WaiterCanceledWhileWaiting_RemovesTheTimerAndTheJoin()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine worker = loop.Spawn(ParkForever(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");
        loop.Tick();
        Assert.That(loop.PendingTimerCount, Is.EqualTo(1));
        Assert.That(worker._extras!.Joiners!.Count, Is.EqualTo(1));

        waiter.Cancel();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(worker._extras!.Joiners!.Count, Is.Zero);
        });

        IEnumerator Waiter()
        {
            yield return worker.WithTimeout(TimeSpan.FromSeconds(5));
        }
    }

    [Test]
    public void WithTimeout_SameInstanceYieldedAgain_RecordsTheLatestOutcome()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        // Each yield races the worker against a fresh 2 s limit: the first loses at 2 s, the second wins at 3 s.
        Assert.That(trace.ToString(), Is.EqualTo("before:False True@00:00:02 False@00:00:03"));

        IEnumerator Worker()
        {
            yield return Wait.For(TimeSpan.FromSeconds(3));
        }

        IEnumerator Waiter()
        {
            TimeoutWait reply = worker.WithTimeout(TimeSpan.FromSeconds(2));
            trace.Add($"before:{reply.TimedOut}");
            yield return reply;
            trace.Add($"{reply.TimedOut}@{clock.Elapsed}");
            yield return reply;
            trace.Add($"{reply.TimedOut}@{clock.Elapsed}");
        }
    }

    private static IEnumerator ParkForever()
    {
        yield return Wait.Forever;
    }

    private static IEnumerator OneRound()
    {
        yield return null;
    }
}
