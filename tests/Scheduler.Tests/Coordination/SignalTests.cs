using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coordination;

/// <summary>
/// <see cref="Signal"/>: wake order, auto- versus manual-reset, sets that are never lost when their waiter is
/// canceled, timeouts through <see cref="Wait.Any"/>, other threads, bad use and disposal. Rounds are exact: a
/// waiter released in round r runs in round r + 1.
/// </summary>
public class SignalTests
{
    // ---- Manual-reset ----------------------------------------------------------------------------------------

    [Test]
    public void Set_ManualReset_ReleasesEveryWaiterNextRoundInTheOrderTheyWaited()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, name: "go");
        loop.Spawn(Waiter(loop, signal, trace, "a", delay: 1), "a"); // waits in round 2
        loop.Spawn(Waiter(loop, signal, trace, "b", delay: 2), "b"); // waits in round 3
        loop.Spawn(Waiter(loop, signal, trace, "c", delay: 0), "c"); // waits in round 1
        loop.Spawn(SetAfter(loop, signal, trace, rounds: 3), "setter");

        loop.Tick();
        loop.Tick();
        loop.Tick();
        int waitingBeforeSet = signal.WaiterCount;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(waitingBeforeSet, Is.EqualTo(3));
            Assert.That(trace.ToString(), Is.EqualTo("c-waits@1 a-waits@2 b-waits@3 set@4 c@5 a@5 b@5"));
            Assert.That(signal.IsSet, Is.True, "a manual-reset signal stays set");
            Assert.That(signal.WaiterCount, Is.Zero);
        });
    }

    [Test]
    public void Wait_ManualResetAlreadySet_StillEndsTheStepAndResumesNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, initiallySet: true);
        Coroutine waiter = loop.Spawn(Waiter(loop, signal, trace, "a", delay: 0), "a");

        int firstRound = loop.Tick();
        Assert.That(waiter.State, Is.EqualTo(CoroutineState.Ready), "woken at once, but the step has ended");
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(firstRound, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a@2"));
            Assert.That(waiter.Steps, Is.EqualTo(2));
            Assert.That(signal.IsSet, Is.True);
        });
    }

    [Test]
    public void Reset_AfterSetInTheSameStep_DoesNotTakeBackTheWakeUps()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        loop.Spawn(Waiter(loop, signal, trace, "a", delay: 0), "a");
        loop.Spawn(Pulse(), "pulse");
        loop.Spawn(Waiter(loop, signal, trace, "late", delay: 2), "late"); // waits in round 3, after the reset

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 pulse@2 a@3 late-waits@3"));
            Assert.That(signal.IsSet, Is.False);
            Assert.That(signal.WaiterCount, Is.EqualTo(1), "the late waiter parks: the signal was reset");
        });

        IEnumerator Pulse()
        {
            yield return null;
            trace.Add($"pulse@{loop.TickCount}");
            signal.Set();
            signal.Reset();
        }
    }

    // ---- Auto-reset ------------------------------------------------------------------------------------------

    [Test]
    public void Set_AutoReset_ReleasesExactlyOneWaiterPerSetInWaitOrder()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        loop.Spawn(Waiter(loop, signal, trace, "a", delay: 1), "a");
        loop.Spawn(Waiter(loop, signal, trace, "b", delay: 2), "b");
        loop.Spawn(Waiter(loop, signal, trace, "c", delay: 0), "c");
        loop.Spawn(Setter(), "setter");
        int waitingAfterOneSet = -1;
        bool setAfterOneSet = true;

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("c-waits@1 a-waits@2 b-waits@3 set@4 c@5 set-set@6 a@7 b@7"));
            Assert.That(waitingAfterOneSet, Is.EqualTo(2), "one set released one waiter");
            Assert.That(setAfterOneSet, Is.False, "the set went to the waiter, not to the signal");
            Assert.That(signal.IsSet, Is.False);
            Assert.That(signal.WaiterCount, Is.Zero);
        });

        IEnumerator Setter()
        {
            yield return Wait.Ticks(3);
            trace.Add($"set@{loop.TickCount}");
            signal.Set();
            yield return Wait.Ticks(2);
            waitingAfterOneSet = signal.WaiterCount;
            setAfterOneSet = signal.IsSet;
            trace.Add($"set-set@{loop.TickCount}");
            signal.Set();
            signal.Set();
        }
    }

    [Test]
    public void Set_AutoResetWithoutWaiters_StaysSetForOneWaitAndSetsDoNotAccumulate()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        signal.Set();
        signal.Set();
        Coroutine a = loop.Spawn(Waiter(loop, signal, trace, "a", delay: 0), "a");
        Coroutine b = loop.Spawn(Waiter(loop, signal, trace, "b", delay: 0), "b");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a@2"));
            Assert.That(a.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Waiting), "two sets without waiters are one set");
            Assert.That(signal.IsSet, Is.False, "the first wait took the set");
        });
    }

    [Test]
    public void TryWait_AutoReset_TakesTheSetOnceAndNeverOneHandedToAWaiter()
    {
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true, initiallySet: true);
        bool first = signal.TryWait();
        bool second = signal.TryWait();
        Coroutine waiter = loop.Spawn(Waiter(loop, signal, new Trace(), "a", delay: 0), "a");
        loop.Tick();

        signal.Set(); // handed to the waiter, which has not run yet
        bool stolen = signal.TryWait();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(stolen, Is.False);
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
        });
    }

    [Test]
    public void TryWait_ManualReset_ReportsTheStateWithoutClearingIt()
    {
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        bool clear = signal.TryWait();
        signal.Set();

        Assert.Multiple(() =>
        {
            Assert.That(clear, Is.False);
            Assert.That(signal.TryWait(), Is.True);
            Assert.That(signal.TryWait(), Is.True);
            Assert.That(signal.IsSet, Is.True);
        });
    }

    // ---- Cancel ----------------------------------------------------------------------------------------------

    [Test]
    public void Cancel_ParkedWaiter_FinallyRunsRegistrationRemovedAndTheNextSetGoesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        Coroutine a = loop.Spawn(GuardedWaiter(loop, signal, trace, "a"), "a");
        Coroutine b = loop.Spawn(GuardedWaiter(loop, signal, trace, "b"), "b");
        loop.Tick();

        a.Cancel();
        int waitingAfterCancel = signal.WaiterCount;
        loop.Tick(); // round 2: a's disposal
        signal.Set();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(waitingAfterCancel, Is.EqualTo(1), "cancel unlinks the waiter at once");
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a-finally@2 b@3 b-finally@3"));
            Assert.That(a.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(signal.IsSet, Is.False);
        });
    }

    [Test]
    public void Cancel_WaiterHandedTheSetBeforeItRuns_TheSetPassesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        Coroutine a = loop.Spawn(GuardedWaiter(loop, signal, trace, "a"), "a");
        Coroutine b = loop.Spawn(GuardedWaiter(loop, signal, trace, "b"), "b");
        loop.Tick();

        signal.Set(); // handed to a, which is queued for round 2
        a.Cancel();   // its queued turn becomes its disposal, which passes the set on
        loop.Tick();
        int waitingAfterRound2 = signal.WaiterCount;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a-finally@2 b@3 b-finally@3"));
            Assert.That(waitingAfterRound2, Is.Zero, "b was handed the set in round 2");
            Assert.That(a.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(signal.IsSet, Is.False, "one set, one release");
        });
    }

    [Test]
    public void Cancel_OnlyWaiterHandedTheSet_TheSetGoesBackToTheSignal()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        Coroutine a = loop.Spawn(GuardedWaiter(loop, signal, trace, "a"), "a");
        loop.Tick();

        signal.Set();
        a.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a-finally@2"));
            Assert.That(signal.IsSet, Is.True, "the set was not lost");
        });
    }

    [Test]
    public void Cancel_WaiterWhoseAnyWasWonByTheSignal_TheSetPassesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        Coroutine a = loop.Spawn(WaitWithTimeout(loop, signal, trace, "a", TimeSpan.FromSeconds(10)), "a");
        Coroutine b = loop.Spawn(GuardedWaiter(loop, signal, trace, "b"), "b");
        loop.Tick();

        signal.Set(); // the Any of a fires with the set
        a.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a-finally@2 b@3 b-finally@3"));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.PendingTimerCount, Is.Zero, "the losing timeout was removed");
        });
    }

    // ---- Timeouts through Wait.Any ---------------------------------------------------------------------------

    [Test]
    public void WaitAny_SignalBeforeTimeout_FiresIndexZeroAndRemovesTheTimer()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        loop.Spawn(WaitWithTimeout(loop, signal, trace, "a", TimeSpan.FromSeconds(10)), "a");
        loop.Spawn(SetAfter(loop, signal, trace, rounds: 1), "setter");

        loop.Tick();
        int timersWhileWaiting = loop.PendingTimerCount;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(timersWhileWaiting, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 set@2 a-fired-0@3 a-finally@3"));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });
    }

    [Test]
    public void WaitAny_TimeoutBeforeSignal_FiresIndexOneRemovesTheRegistrationAndLeavesTheSetForOthers()
    {
        var trace = new Trace();
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var signal = new Signal(loop, autoReset: true);
        loop.Spawn(WaitWithTimeout(loop, signal, trace, "a", TimeSpan.FromSeconds(1)), "a");
        loop.Tick();
        int waitingBefore = signal.WaiterCount;

        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Tick(); // round 2: the timer fires in phase (b), a runs in phase (c)
        int waitingAfter = signal.WaiterCount;
        signal.Set();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a-fired-1@2 a-finally@2"));
            Assert.That(waitingBefore, Is.EqualTo(1));
            Assert.That(waitingAfter, Is.Zero, "the losing registration was removed");
            Assert.That(signal.IsSet, Is.True, "a later set is not swallowed by the timed-out wait");
        });
    }

    // ---- Threads, loops and bad use --------------------------------------------------------------------------

    [Test]
    public void Set_FromAnotherThread_TakesEffectAtTheStartOfTheNextRoundAndTheWaiterRunsInIt()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        loop.Spawn(Waiter(loop, signal, trace, "a", delay: 0), "a");
        loop.Tick();

        var thread = new Thread(signal.Set);
        thread.Start();
        thread.Join();
        bool setBeforeRound = signal.IsSet;
        int stepsInRound2 = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(setBeforeRound, Is.False, "posted: nothing changes until the loop runs it");
            Assert.That(stepsInRound2, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a@2"));
            Assert.That(signal.IsSet, Is.True);
        });
    }

    [Test]
    public void SetThenReset_FromAnotherThread_RunInTheOrderPostedAndTheWaiterIsStillReleased()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        loop.Spawn(Waiter(loop, signal, trace, "a", delay: 0), "a");
        loop.Tick();

        var thread = new Thread(() =>
        {
            signal.Set();
            signal.Reset();
        });
        thread.Start();
        thread.Join();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a@2"));
            Assert.That(signal.IsSet, Is.False);
        });
    }

    [Test]
    public void Set_FromAnotherThreadAfterDispose_ThrowsObjectDisposed()
    {
        var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop);
        loop.Dispose();
        Exception? error = null;

        var thread = new Thread(() => error = Catch(signal.Set));
        thread.Start();
        thread.Join();

        Assert.That(error, Is.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void TryWait_FromAnotherThread_ThrowsInvalidOperationNamingTheMember()
    {
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, name: "ready");
        Exception? error = null;

        var thread = new Thread(() => error = Catch(() => signal.TryWait()));
        thread.Start();
        thread.Join();

        Assert.That(error, Is.InstanceOf<InvalidOperationException>());
        Assert.That(error!.Message, Does.Contain("TryWait").And.Contain("signal 'ready'"));
    }

    [Test]
    public void Wait_ByACoroutineOfAnotherLoop_FaultsItNamingTheSignal()
    {
        using var home = new EventLoop(new VirtualClock());
        using var other = new EventLoop(new VirtualClock());
        var signal = new Signal(home, name: "ready");
        Coroutine stranger = other.Spawn(Waiter(other, signal, new Trace(), "x", delay: 0), "stranger");

        other.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(stranger.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(stranger.Exception, Is.InstanceOf<InvalidOperationException>());
            Assert.That(stranger.Exception!.Message, Does.Contain("'stranger'").And.Contain("signal 'ready'").And.Contain("another event loop"));
            Assert.That(signal.WaiterCount, Is.Zero);
        });
    }

    [Test]
    public void Constructor_NullLoop_ThrowsArgumentNull()
    {
        ArgumentNullException? error = Assert.Throws<ArgumentNullException>(() => _ = new Signal(null!));

        Assert.That(error!.ParamName, Is.EqualTo("loop"));
    }

    [Test]
    public void Wait_EverySignal_ReturnsOneCachedInstance()
    {
        using var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, name: "ready");
        WaitCondition first = signal.Wait();
        WaitCondition second = signal.Wait();

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(signal.Wait().ToString(), Is.EqualTo("signal 'ready'.Wait()"));
            Assert.That(new Signal(loop, autoReset: true).ToString(), Is.EqualTo("an auto-reset signal"));
        });
    }

    // ---- Dispose ---------------------------------------------------------------------------------------------

    [Test]
    public void Dispose_LoopWithWaitersAndAHandedSet_FinallyBlocksRunAndNothingIsLeftBehind()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        var signal = new Signal(loop, autoReset: true);
        loop.Spawn(GuardedWaiter(loop, signal, trace, "a"), "a");
        loop.Spawn(GuardedWaiter(loop, signal, trace, "b"), "b");
        loop.Spawn(GuardedWaiter(loop, signal, trace, "c"), "c");
        loop.Tick();
        signal.Set(); // handed to a, which never runs again

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 c-waits@1 a-finally@1 b-finally@1 c-finally@1"));
            Assert.That(signal.WaiterCount, Is.Zero);
            Assert.That(signal.IsSet, Is.True, "the set a never took went back to the signal");
        });
    }

    // ---- Routines --------------------------------------------------------------------------------------------

    private static IEnumerator Waiter(EventLoop loop, Signal signal, Trace trace, string name, int delay)
    {
        for (int i = 0; i < delay; i++)
        {
            yield return null;
        }

        trace.Add($"{name}-waits@{loop.TickCount}");
        yield return signal.Wait();
        trace.Add($"{name}@{loop.TickCount}");
    }

    private static IEnumerator GuardedWaiter(EventLoop loop, Signal signal, Trace trace, string name)
    {
        try
        {
            trace.Add($"{name}-waits@{loop.TickCount}");
            yield return signal.Wait();
            trace.Add($"{name}@{loop.TickCount}");
        }
        finally
        {
            trace.Add($"{name}-finally@{loop.TickCount}");
        }
    }

    private static IEnumerator WaitWithTimeout(EventLoop loop, Signal signal, Trace trace, string name, TimeSpan timeout)
    {
        try
        {
            AnyWait first = Wait.Any(signal.Wait(), Wait.For(timeout));
            trace.Add($"{name}-waits@{loop.TickCount}");
            yield return first;
            trace.Add($"{name}-fired-{first.FiredIndex}@{loop.TickCount}");
        }
        finally
        {
            trace.Add($"{name}-finally@{loop.TickCount}");
        }
    }

    private static IEnumerator SetAfter(EventLoop loop, Signal signal, Trace trace, int rounds)
    {
        yield return Wait.Ticks(rounds);
        trace.Add($"set@{loop.TickCount}");
        signal.Set();
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
