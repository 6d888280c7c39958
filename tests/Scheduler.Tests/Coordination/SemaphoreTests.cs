using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coordination;

/// <summary>
/// <see cref="CoroutineSemaphore"/>: FIFO hand-off without barging, permits that pass on when their waiter is
/// canceled, timeouts, over-release and other bad use, and disposal. A permit released in round r is used by its
/// waiter in round r + 1.
/// </summary>
public class SemaphoreTests
{
    [Test]
    public void Wait_FreePermit_TakenAtOnceAndTheCoroutineRunsNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 2);
        Coroutine worker = loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 1), "a");

        loop.Tick();
        int countAfterWait = semaphore.CurrentCount;
        CoroutineState stateAfterWait = worker.State;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(countAfterWait, Is.EqualTo(1), "the permit is the waiter's from the moment it waits");
            Assert.That(stateAfterWait, Is.EqualTo(CoroutineState.Ready), "the wait still ends the step");
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a+@2 a-@3"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Release_WithWaiters_HandsPermitsOutInWaitOrderOnePerPermit()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0, maxCount: 3);
        loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 10, delay: 1), "a"); // waits in round 2
        loop.Spawn(Holder(loop, semaphore, trace, "b", holdRounds: 10, delay: 2), "b"); // waits in round 3
        loop.Spawn(Holder(loop, semaphore, trace, "c", holdRounds: 10, delay: 0), "c"); // waits in round 1
        loop.Spawn(Releaser(), "releaser");
        int countAfterFirstRelease = -1;

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "c-waits@1 a-waits@2 b-waits@3 release1@4 c+@5 release2@6 a+@7 b+@7 c-@15 a-@17 b-@17"));
            Assert.That(countAfterFirstRelease, Is.Zero, "the released permit went to c, not to the count");
            Assert.That(semaphore.CurrentCount, Is.EqualTo(3), "c, a and b gave theirs back");
            Assert.That(semaphore.WaiterCount, Is.Zero);
        });

        IEnumerator Releaser()
        {
            yield return Wait.Ticks(3);
            trace.Add($"release1@{loop.TickCount}");
            semaphore.Release();
            countAfterFirstRelease = semaphore.CurrentCount;
            yield return Wait.Ticks(2);
            trace.Add($"release2@{loop.TickCount}");
            semaphore.Release(2);
        }
    }

    [Test]
    public void Release_ThenWaitInTheSameStep_GoesBehindTheCurrentWaiters()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1, maxCount: 1);
        loop.Spawn(Greedy(), "greedy");
        loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 0, delay: 1), "a"); // waits in round 2
        bool tryAfterRelease = true;

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("g+@2 a-waits@2 g-rewaits@3 a+@4 a-@4 g+@5"));
            Assert.That(tryAfterRelease, Is.False, "the permit was handed to a; TryAcquire cannot take it");
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });

        IEnumerator Greedy()
        {
            yield return semaphore.Wait();
            trace.Add($"g+@{loop.TickCount}");
            yield return null;
            semaphore.Release();
            tryAfterRelease = semaphore.TryAcquire();
            trace.Add($"g-rewaits@{loop.TickCount}");
            yield return semaphore.Wait();
            trace.Add($"g+@{loop.TickCount}");
            semaphore.Release();
        }
    }

    [Test]
    public void TryAcquire_FreePermitAndNoWaiters_TakesItAndReleaseGivesItBack()
    {
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1);

        bool first = semaphore.TryAcquire();
        bool second = semaphore.TryAcquire();
        int countWhileHeld = semaphore.CurrentCount;
        semaphore.Release();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(countWhileHeld, Is.Zero);
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });
    }

    // ---- Cancel ----------------------------------------------------------------------------------------------

    [Test]
    public void Cancel_ParkedWaiter_FinallyRunsRegistrationRemovedAndTheNextReleaseGoesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0);
        Coroutine a = loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 0), "a");
        loop.Spawn(Holder(loop, semaphore, trace, "b", holdRounds: 0), "b");
        loop.Tick();

        a.Cancel();
        int waitingAfterCancel = semaphore.WaiterCount;
        loop.Tick(); // round 2: a's disposal
        semaphore.Release();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(waitingAfterCancel, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a-finally@2 b+@3 b-@3"));
            Assert.That(a.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Cancel_WaiterHandedAPermitBeforeItRuns_ThePermitPassesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0);
        Coroutine a = loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 1), "a");
        Coroutine b = loop.Spawn(Holder(loop, semaphore, trace, "b", holdRounds: 1), "b");
        loop.Tick();

        semaphore.Release(); // handed to a, queued for round 2
        a.Cancel();
        loop.Tick();
        int countAfterRound2 = semaphore.CurrentCount;
        int waitingAfterRound2 = semaphore.WaiterCount;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a-finally@2 b+@3 b-@4"));
            Assert.That(countAfterRound2, Is.Zero, "the permit went to b, not back to the count");
            Assert.That(waitingAfterRound2, Is.Zero);
            Assert.That(b.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1), "one permit released, one permit left: none lost or made");
        });
    }

    [Test]
    public void Cancel_OnlyWaiterHandedAPermit_ThePermitGoesBackToTheCount()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1);
        Coroutine a = loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 1), "a");
        loop.Tick(); // a waits on a free permit: handed to it at once

        a.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a-finally@2"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Cancel_HolderUsingWithPermit_ReleasesInFinallyAndTheWaiterGetsItNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1);
        Coroutine holder = loop.Spawn(semaphore.WithPermit(Forever(trace)), "holder");
        loop.Spawn(Holder(loop, semaphore, trace, "b", holdRounds: 0), "b");
        loop.Tick();
        loop.Tick(); // round 2: the holder runs with the permit and parks forever

        holder.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("b-waits@1 body@2 body-finally b+@4 b-@4"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });

        static IEnumerator Forever(Trace trace)
        {
            try
            {
                trace.Add("body@2");
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add("body-finally");
            }
        }
    }

    [Test]
    public void WithPermit_BodyFaults_ReleasesThePermit()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1);
        Coroutine worker = loop.Spawn(semaphore.WithPermit(Fails()), "worker");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(worker.Exception!.Message, Is.EqualTo("boom"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });

        static IEnumerator Fails()
        {
            yield return null;
            throw new InvalidOperationException("boom");
        }
    }

    // ---- Timeouts through Wait.Any ---------------------------------------------------------------------------

    [Test]
    public void WaitAny_PermitBeforeTimeout_FiresIndexZeroHoldingThePermitAndRemovesTheTimer()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0);
        loop.Spawn(WaitWithTimeout(loop, semaphore, trace, TimeSpan.FromSeconds(10)), "a");
        loop.Tick();

        semaphore.Release();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a-fired-0@2 a-released"));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void WaitAny_TimeoutBeforePermit_FiresIndexOneRemovesTheRegistrationAndTheNextPermitStaysFree()
    {
        var trace = new Trace();
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0);
        loop.Spawn(WaitWithTimeout(loop, semaphore, trace, TimeSpan.FromSeconds(1)), "a");
        loop.Tick();

        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Tick();
        int waitingAfterTimeout = semaphore.WaiterCount;
        semaphore.Release();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a-fired-1@2"));
            Assert.That(waitingAfterTimeout, Is.Zero);
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Cancel_WaiterWhoseAnyWasWonByThePermit_ThePermitPassesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0);
        Coroutine a = loop.Spawn(WaitWithTimeout(loop, semaphore, trace, TimeSpan.FromSeconds(10)), "a");
        loop.Spawn(Holder(loop, semaphore, trace, "b", holdRounds: 0), "b");
        loop.Tick();

        semaphore.Release();
        a.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 b+@3 b-@3"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });
    }

    // ---- Bad use ---------------------------------------------------------------------------------------------

    [Test]
    public void Release_PastMaxCount_ThrowsSemaphoreFullAndChangesNothing()
    {
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1, maxCount: 2, name: "pool");

        SemaphoreFullException? error = Assert.Throws<SemaphoreFullException>(() => semaphore.Release(2));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("semaphore 'pool'").And.Contain("maximum count of 2"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Release_WhileTheOnlyPermitIsHandedToAWaiter_ThrowsSemaphoreFull()
    {
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1, maxCount: 1);
        loop.Spawn(Holder(loop, semaphore, new Trace(), "a", holdRounds: 1), "a");
        loop.Tick(); // the permit is a's, though a has not run with it yet

        Assert.Throws<SemaphoreFullException>(() => semaphore.Release());
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Release_CountLessThanOne_ThrowsArgumentOutOfRange(int count)
    {
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0);

        ArgumentOutOfRangeException? error = Assert.Throws<ArgumentOutOfRangeException>(() => semaphore.Release(count));

        Assert.That(error!.ParamName, Is.EqualTo("releaseCount"));
    }

    [TestCase(-1, 5, "initialCount")]
    [TestCase(6, 5, "initialCount")]
    [TestCase(0, 0, "maxCount")]
    [TestCase(0, -3, "maxCount")]
    public void Constructor_BadCounts_ThrowArgumentOutOfRangeNamingTheParameter(int initial, int max, string parameter)
    {
        using var loop = new EventLoop(new VirtualClock());

        ArgumentOutOfRangeException? error = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new CoroutineSemaphore(loop, initial, max));

        Assert.That(error!.ParamName, Is.EqualTo(parameter));
    }

    [Test]
    public void Constructor_NullLoop_ThrowsArgumentNull()
    {
        ArgumentNullException? error = Assert.Throws<ArgumentNullException>(() => _ = new CoroutineSemaphore(null!, 1));

        Assert.That(error!.ParamName, Is.EqualTo("loop"));
    }

    [Test]
    public void ReleaseAndTryAcquire_FromAnotherThread_ThrowInvalidOperationNamingTheMember()
    {
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 0, name: "pool");
        Exception? release = null;
        Exception? tryAcquire = null;

        var thread = new Thread(() =>
        {
            release = Catch(() => semaphore.Release());
            tryAcquire = Catch(() => semaphore.TryAcquire());
        });
        thread.Start();
        thread.Join();

        Assert.Multiple(() =>
        {
            Assert.That(release, Is.InstanceOf<InvalidOperationException>());
            Assert.That(release!.Message, Does.Contain("Release").And.Contain("semaphore 'pool'"));
            Assert.That(tryAcquire, Is.InstanceOf<InvalidOperationException>());
            Assert.That(tryAcquire!.Message, Does.Contain("TryAcquire"));
            Assert.That(semaphore.CurrentCount, Is.Zero);
        });
    }

    [Test]
    public void Wait_ByACoroutineOfAnotherLoop_FaultsItNamingTheSemaphore()
    {
        using var home = new EventLoop(new VirtualClock());
        using var other = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(home, initialCount: 1, name: "pool");
        Coroutine stranger = other.Spawn(Holder(other, semaphore, new Trace(), "x", holdRounds: 0), "stranger");

        other.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(stranger.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(stranger.Exception!.Message, Does.Contain("semaphore 'pool'").And.Contain("another event loop"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(1), "nothing was taken");
        });
    }

    // ---- Dispose ---------------------------------------------------------------------------------------------

    [Test]
    public void Dispose_LoopWithHoldersAndWaiters_FinallyBlocksRunAndEveryPermitComesBack()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 2, maxCount: 2);
        loop.Spawn(Holder(loop, semaphore, trace, "a", holdRounds: 100), "a");
        loop.Spawn(Holder(loop, semaphore, trace, "b", holdRounds: 100), "b");
        loop.Spawn(Holder(loop, semaphore, trace, "c", holdRounds: 100), "c");
        loop.Spawn(Holder(loop, semaphore, trace, "d", holdRounds: 100), "d");
        loop.Tick();
        loop.Tick(); // a and b hold permits; c and d wait

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "a-waits@1 b-waits@1 c-waits@1 d-waits@1 a+@2 b+@2 a-@2 b-@2 c-finally@2 d-finally@2"));
            Assert.That(semaphore.CurrentCount, Is.EqualTo(2));
            Assert.That(semaphore.WaiterCount, Is.Zero);
        });
    }

    // ---- Routines --------------------------------------------------------------------------------------------

    /// <summary>
    /// Waits for a permit, holds it for <paramref name="holdRounds"/> rounds and releases it in a finally: traces
    /// "name+" when it runs with the permit, "name-" when it releases it, "name-finally" when it ends without one.
    /// </summary>
    private static IEnumerator Holder(EventLoop loop, CoroutineSemaphore semaphore, Trace trace, string name, int holdRounds, int delay = 0)
    {
        for (int i = 0; i < delay; i++)
        {
            yield return null;
        }

        trace.Add($"{name}-waits@{loop.TickCount}");
        bool holding = false;
        try
        {
            yield return semaphore.Wait();
            holding = true;
            trace.Add($"{name}+@{loop.TickCount}");
            for (int i = 0; i < holdRounds; i++)
            {
                yield return null;
            }
        }
        finally
        {
            if (holding)
            {
                semaphore.Release();
                trace.Add($"{name}-@{loop.TickCount}");
            }
            else
            {
                trace.Add($"{name}-finally@{loop.TickCount}");
            }
        }
    }

    private static IEnumerator WaitWithTimeout(EventLoop loop, CoroutineSemaphore semaphore, Trace trace, TimeSpan timeout)
    {
        AnyWait first = Wait.Any(semaphore.Wait(), Wait.For(timeout));
        trace.Add($"a-waits@{loop.TickCount}");
        yield return first;
        trace.Add($"a-fired-{first.FiredIndex}@{loop.TickCount}");
        if (first.FiredIndex == 0)
        {
            semaphore.Release();
            trace.Add("a-released");
        }
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
