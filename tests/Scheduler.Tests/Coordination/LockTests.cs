using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coordination;

/// <summary>
/// <see cref="CoroutineLock"/>: ownership, FIFO hand-off without barging, a lock handed to a canceled waiter
/// passing on, owners that end without releasing (completed, faulted, canceled), bad use and disposal. A lock
/// released in round r is held by its next owner from round r + 1.
/// </summary>
public class LockTests
{
    [Test]
    public void Acquire_FreeLock_HandedAtOnceAndTheCoroutineOwnsItFromItsNextTurn()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop, "accounts");
        Coroutine? ownerSeenInside = null;
        Coroutine a = loop.Spawn(Body(), "a");

        loop.Tick();
        bool heldAfterWait = gate.IsHeld;
        Coroutine? ownerAfterWait = gate.Owner;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(heldAfterWait, Is.True, "handed to a: nobody else can take it");
            Assert.That(ownerAfterWait, Is.Null, "a owns it once it runs with it");
            Assert.That(ownerSeenInside, Is.SameAs(a));
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a+@2 a-@3"));
            Assert.That(gate.IsHeld, Is.False);
            Assert.That(gate.Owner, Is.Null);
        });

        IEnumerator Body()
        {
            trace.Add($"a-waits@{loop.TickCount}");
            yield return gate.Acquire();
            try
            {
                ownerSeenInside = gate.Owner;
                trace.Add($"a+@{loop.TickCount}");
                yield return null;
            }
            finally
            {
                gate.Release();
                trace.Add($"a-@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Release_WithWaiters_HandsTheLockOnInWaitOrder()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 2), "a");
        loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 2, delay: 1), "b"); // waits in round 2
        loop.Spawn(Holder(loop, gate, trace, "c", holdRounds: 2), "c");           // waits in round 1

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 c-waits@1 a+@2 b-waits@2 a-@4 c+@5 c-@7 b+@8 b-@10"));
            Assert.That(gate.IsHeld, Is.False);
            Assert.That(gate.WaiterCount, Is.Zero);
        });
    }

    [Test]
    public void Release_ThenAcquireInTheSameStep_GoesBehindTheWaiterAndTryAcquireFails()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        loop.Spawn(Greedy(), "greedy");
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 0, delay: 1), "a"); // waits in round 2
        bool tryAfterRelease = true;

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("g+@2 a-waits@2 g-reacquires@3 a+@4 a-@4 g+@5"));
            Assert.That(tryAfterRelease, Is.False, "the lock was handed to a; TryAcquire cannot take it");
            Assert.That(gate.IsHeld, Is.False);
        });

        IEnumerator Greedy()
        {
            yield return gate.Acquire();
            trace.Add($"g+@{loop.TickCount}");
            yield return null;
            gate.Release();
            tryAfterRelease = gate.TryAcquire();
            trace.Add($"g-reacquires@{loop.TickCount}");
            yield return gate.Acquire();
            trace.Add($"g+@{loop.TickCount}");
            gate.Release();
        }
    }

    [Test]
    public void TryAcquire_FreeLockInAStep_TheRunningCoroutineOwnsItAtOnce()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        bool took = false;
        Coroutine? owner = null;
        Coroutine a = loop.Spawn(Body(), "a");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(took, Is.True);
            Assert.That(owner, Is.SameAs(a));
            Assert.That(a.Steps, Is.EqualTo(1), "no wait: the step goes on");
            Assert.That(gate.IsHeld, Is.False);
        });

        IEnumerator Body()
        {
            took = gate.TryAcquire();
            owner = gate.Owner;
            gate.Release();
            yield break;
        }
    }

    // ---- Cancel ----------------------------------------------------------------------------------------------

    [Test]
    public void Cancel_ParkedWaiter_FinallyRunsRegistrationRemovedAndTheLockGoesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 2), "a");
        Coroutine b = loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 0), "b");
        loop.Spawn(Holder(loop, gate, trace, "c", holdRounds: 0), "c");
        loop.Tick();

        b.Cancel();
        int waitingAfterCancel = gate.WaiterCount;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(waitingAfterCancel, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 c-waits@1 a+@2 b-finally@2 a-@4 c+@5 c-@5"));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(gate.IsHeld, Is.False);
        });
    }

    [Test]
    public void Cancel_WaiterHandedTheLockBeforeItRuns_TheLockPassesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 1), "a");
        Coroutine b = loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 1), "b");
        Coroutine c = loop.Spawn(Holder(loop, gate, trace, "c", holdRounds: 1), "c");
        loop.Tick();
        loop.Tick();
        loop.Tick(); // round 3: a releases; the lock is handed to b, queued for round 4

        b.Cancel();
        loop.Tick();
        bool heldAfterRound4 = gate.IsHeld;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 c-waits@1 a+@2 a-@3 b-finally@4 c+@5 c-@6"));
            Assert.That(heldAfterRound4, Is.True, "handed to c in b's disposal turn");
            Assert.That(b.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(c.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(gate.IsHeld, Is.False);
        });
    }

    [Test]
    public void Cancel_OnlyWaiterHandedTheLock_TheLockBecomesFree()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        Coroutine a = loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 1), "a");
        loop.Tick();

        a.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 a-finally@2"));
            Assert.That(gate.IsHeld, Is.False);
            Assert.That(gate.IsAbandoned, Is.False, "a never owned it");
        });
    }

    [Test]
    public void Cancel_OwnerThatReleasesInFinally_TheWaiterGetsTheLockNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        Coroutine a = loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 100), "a");
        loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 0), "b");
        loop.Tick();
        loop.Tick();

        a.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a+@2 a-@3 b+@4 b-@4"));
            Assert.That(gate.IsAbandoned, Is.False);
        });
    }

    [Test]
    public void WithLock_BodyFaultsOrIsCanceled_ReleasesTheLock()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        var gate = new CoroutineLock(loop);
        Coroutine faulting = loop.Spawn(gate.WithLock(Fails()), "faulting");
        Coroutine parked = loop.Spawn(gate.WithLock(Parks()), "parked");

        loop.RunUntilIdle();
        Coroutine? ownerWhileParked = gate.Owner;
        parked.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(faulting.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(ownerWhileParked, Is.SameAs(parked), "the faulting body released it to the next waiter");
            Assert.That(parked.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(gate.IsHeld, Is.False);
            Assert.That(gate.IsAbandoned, Is.False);
        });

        static IEnumerator Fails()
        {
            yield return null;
            throw new InvalidOperationException("boom");
        }

        static IEnumerator Parks()
        {
            yield return Wait.Forever;
        }
    }

    // ---- Owner ends without releasing ------------------------------------------------------------------------

    [TestCase(CoroutineState.Completed, 2, "completed")]
    [TestCase(CoroutineState.Faulted, 2, "faulted")]
    [TestCase(CoroutineState.Canceled, 3, "was canceled")]
    public void OwnerEndsWithoutRelease_WaitersFaultNextRoundWithLockAbandonedNamingTheOwner(CoroutineState ending, int endRound, string how)
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<(Coroutine? Coroutine, Exception Exception)>();
        loop.UnobservedFault += (_, e) => reported.Add((e.Coroutine, e.Exception));
        var gate = new CoroutineLock(loop, "accounts");
        var ownerFault = new InvalidOperationException("owner failed");
        Coroutine owner = loop.Spawn(Careless(), "careless");
        Coroutine b = loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 0), "b");
        Coroutine c = loop.Spawn(Holder(loop, gate, trace, "c", holdRounds: 0), "c");
        loop.Tick();
        loop.Tick(); // round 2: the owner runs with the lock

        if (ending == CoroutineState.Canceled)
        {
            owner.Cancel();
        }

        loop.RunUntilIdle();
        var error = b.Exception as LockAbandonedException;

        Assert.Multiple(() =>
        {
            Assert.That(owner.State, Is.EqualTo(ending));
            Assert.That(trace.ToString(), Is.EqualTo($"b-waits@1 c-waits@1 b-finally@{endRound + 1} c-finally@{endRound + 1}"));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(error, Is.Not.Null);
            Assert.That(c.Exception, Is.SameAs(error), "the waiters told at once share one instance");
            Assert.That(error!.Message, Does.Contain("lock 'accounts'").And.Contain("coroutine 'careless' (#1)").And.Contain(how));
            Assert.That(error.Owner, Is.SameAs(owner));
            Assert.That(error.InnerException, Is.SameAs(ending == CoroutineState.Faulted ? ownerFault : null));
            Assert.That(gate.IsAbandoned, Is.True);
            Assert.That(gate.WaiterCount, Is.Zero);
            Assert.That(reported.Select(r => r.Coroutine), Is.EqualTo(ending == CoroutineState.Faulted ? new[] { owner, b, c } : new[] { b, c }),
                "each waiter's fault is reported, and the owner's own fault too: the lock's watch does not observe it");
        });

        IEnumerator Careless()
        {
            yield return gate.Acquire();
            if (ending == CoroutineState.Faulted)
            {
                throw ownerFault;
            }

            if (ending == CoroutineState.Canceled)
            {
                yield return Wait.Forever;
            }
        }
    }

    [Test]
    public void OwnerFaultsWithoutReleaseWhileNobodyWaits_TheFaultIsReportedAndLaterAcquiresFault()
    {
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Coroutine?>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Coroutine);
        var gate = new CoroutineLock(loop, "accounts");
        var ownerFault = new InvalidOperationException("owner failed");
        Coroutine owner = loop.Spawn(Careless(), "careless");
        loop.RunUntilIdle();
        bool abandoned = gate.IsAbandoned;
        int reportsBeforeLateWaiter = reported.Count;

        Coroutine late = loop.Spawn(Holder(loop, gate, new Trace(), "late", holdRounds: 0), "late");
        loop.RunUntilIdle();
        Exception? tryError = null;
        loop.Spawn(TryInside(), "trier");
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(reportsBeforeLateWaiter, Is.EqualTo(1));
            Assert.That(reported[0], Is.SameAs(owner), "nobody waited, so nobody observed the owner's fault");
            Assert.That(abandoned, Is.True);
            Assert.That(late.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(late.Exception, Is.InstanceOf<LockAbandonedException>());
            Assert.That(late.Exception!.InnerException, Is.SameAs(ownerFault));
            Assert.That(late.Steps, Is.EqualTo(2), "the acquire ends the step; the fault arrives next round");
            Assert.That(tryError, Is.InstanceOf<LockAbandonedException>());
            Assert.That(tryError!.Message, Does.Contain("coroutine 'careless' (#1)").And.Contain("faulted"));
        });

        IEnumerator Careless()
        {
            yield return gate.Acquire();
            throw ownerFault;
        }

        IEnumerator TryInside()
        {
            try
            {
                gate.TryAcquire();
            }
            catch (LockAbandonedException ex)
            {
                tryError = ex;
            }

            yield break;
        }
    }

    [Test]
    public void OwnerFaultsAfterItsOnlyWaiterTimedOut_TheOwnersFaultIsStillReported()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var reported = new List<Coroutine?>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Coroutine);
        var gate = new CoroutineLock(loop);
        Coroutine owner = loop.Spawn(Careless(), "careless");
        loop.Spawn(Impatient(), "impatient");

        loop.RunUntilIdle();
        clock.Advance(TimeSpan.FromSeconds(1));
        loop.RunUntilIdle();
        clock.Advance(TimeSpan.FromSeconds(1));
        loop.RunUntilIdle();

        Assert.That(reported, Is.EqualTo(new[] { owner }));

        IEnumerator Careless()
        {
            yield return gate.Acquire();
            yield return Wait.For(TimeSpan.FromSeconds(2));
            throw new InvalidOperationException("owner failed");
        }

        IEnumerator Impatient()
        {
            yield return Wait.Any(gate.Acquire(), Wait.For(TimeSpan.FromSeconds(1)));
        }
    }

    // ---- Bad use ---------------------------------------------------------------------------------------------

    [Test]
    public void Acquire_ByTheOwner_FaultsItAsNotReentrantAndItsFinallyReleases()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        var gate = new CoroutineLock(loop, "accounts");
        Coroutine twice = loop.Spawn(Holder(loop, gate, new Trace(), "twice", holdRounds: 0, reacquire: true), "twice");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(twice.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(twice.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(twice.Exception!.Message, Does.Contain("coroutine 'twice' (#1)").And.Contain("lock 'accounts'").And.Contain("not re-entrant"));
            Assert.That(gate.IsHeld, Is.False, "the finally released it");
            Assert.That(gate.WaiterCount, Is.Zero);
        });
    }

    [Test]
    public void TryAcquire_ByTheOwner_ThrowsNotReentrant()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        Exception? error = null;
        loop.Spawn(Body(), "a");

        loop.RunUntilIdle();

        Assert.That(error, Is.TypeOf<InvalidOperationException>());
        Assert.That(error!.Message, Does.Contain("not re-entrant"));

        IEnumerator Body()
        {
            gate.TryAcquire();
            try
            {
                gate.TryAcquire();
            }
            catch (InvalidOperationException ex)
            {
                error = ex;
            }

            gate.Release();
            yield break;
        }
    }

    [Test]
    public void Release_ByACoroutineThatDoesNotHoldIt_ThrowsNamingTheHolder()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop, "accounts");
        Exception? heldByOther = null;
        Exception? notHeld = null;
        loop.Spawn(Holder(loop, gate, new Trace(), "a", holdRounds: 2), "a");
        loop.Spawn(Intruder(), "intruder");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(heldByOther, Is.TypeOf<InvalidOperationException>());
            Assert.That(heldByOther!.Message, Does.Contain("coroutine 'intruder' (#2) cannot release lock 'accounts'")
                .And.Contain("held by coroutine 'a' (#1)"));
            Assert.That(notHeld, Is.TypeOf<InvalidOperationException>());
            Assert.That(notHeld!.Message, Does.Contain("it is not held"));
            Assert.That(gate.IsHeld, Is.False);
        });

        IEnumerator Intruder()
        {
            yield return null; // round 2: a holds it
            heldByOther = Catch(gate.Release);
            yield return Wait.Ticks(5);
            notHeld = Catch(gate.Release);
        }
    }

    [Test]
    public void ReleaseAndTryAcquire_OutsideAStep_ThrowInvalidOperation()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);

        InvalidOperationException? release = Assert.Throws<InvalidOperationException>(gate.Release);
        InvalidOperationException? tryAcquire = Assert.Throws<InvalidOperationException>(() => gate.TryAcquire());

        Assert.Multiple(() =>
        {
            Assert.That(release!.Message, Does.Contain("outside a coroutine's step"));
            Assert.That(tryAcquire!.Message, Does.Contain("from a coroutine's step"));
        });
    }

    [Test]
    public void Release_FromAnotherThread_ThrowsInvalidOperationNamingTheMember()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop, "accounts");
        Exception? error = null;

        var thread = new Thread(() => error = Catch(gate.Release));
        thread.Start();
        thread.Join();

        Assert.That(error, Is.TypeOf<InvalidOperationException>());
        Assert.That(error!.Message, Does.Contain("Release on lock 'accounts'").And.Contain("event loop's thread"));
    }

    [Test]
    public void Acquire_ByACoroutineOfAnotherLoop_FaultsItNamingTheLock()
    {
        using var home = new EventLoop(new VirtualClock());
        using var other = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(home, "accounts");
        Coroutine stranger = other.Spawn(Holder(other, gate, new Trace(), "x", holdRounds: 0), "stranger");

        other.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(stranger.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(stranger.Exception!.Message, Does.Contain("lock 'accounts'").And.Contain("another event loop"));
            Assert.That(gate.IsHeld, Is.False);
        });
    }

    [Test]
    public void Constructor_NullLoop_ThrowsArgumentNull()
    {
        ArgumentNullException? error = Assert.Throws<ArgumentNullException>(() => _ = new CoroutineLock(null!));

        Assert.That(error!.ParamName, Is.EqualTo("loop"));
    }

    // ---- Timeouts through Wait.Any ---------------------------------------------------------------------------

    [Test]
    public void WaitAny_LockBeforeTimeout_FiresIndexZeroOwningTheLockAndRemovesTheTimer()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 1), "a");
        Coroutine b = loop.Spawn(AcquireWithTimeout(loop, gate, trace, "b", TimeSpan.FromSeconds(10)), "b");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a+@2 a-@3 b-fired-0-owner@4"));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(b.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(gate.IsHeld, Is.False);
        });
    }

    [Test]
    public void WaitAny_TimeoutBeforeLock_FiresIndexOneAndRemovesTheRegistration()
    {
        var trace = new Trace();
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 100), "a");
        loop.Spawn(AcquireWithTimeout(loop, gate, trace, "b", TimeSpan.FromSeconds(1)), "b");
        loop.Tick();

        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 a+@2 b-fired-1@2"));
            Assert.That(gate.WaiterCount, Is.Zero);
        });
    }

    [Test]
    public void Cancel_WaiterWhoseAnyWasWonByTheLock_TheLockPassesToTheNextWaiter()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 1), "a");
        Coroutine b = loop.Spawn(AcquireWithTimeout(loop, gate, trace, "b", TimeSpan.FromSeconds(10)), "b");
        loop.Spawn(Holder(loop, gate, trace, "c", holdRounds: 0), "c");
        loop.Tick();
        loop.Tick();
        loop.Tick(); // round 3: a releases; b's Any fires with the lock

        b.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 c-waits@1 a+@2 a-@3 c+@5 c-@5"));
            Assert.That(gate.IsHeld, Is.False);
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });
    }

    // ---- Dispose ---------------------------------------------------------------------------------------------

    [Test]
    public void Dispose_LoopWithOwnerAndWaiters_FinallyBlocksRunAndTheLockEndsFree()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        var reported = 0;
        loop.UnobservedFault += (_, _) => reported++;
        var gate = new CoroutineLock(loop);
        loop.Spawn(Holder(loop, gate, trace, "a", holdRounds: 100), "a");
        loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 100), "b");
        loop.Spawn(Holder(loop, gate, trace, "c", holdRounds: 100), "c");
        loop.Tick();
        loop.Tick();

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a-waits@1 b-waits@1 c-waits@1 a+@2 a-@2 b-finally@2 c-finally@2"));
            Assert.That(gate.IsHeld, Is.False);
            Assert.That(gate.IsAbandoned, Is.False);
            Assert.That(gate.WaiterCount, Is.Zero);
            Assert.That(reported, Is.Zero);
        });
    }

    [Test]
    public void Dispose_LoopWithAnOwnerThatNeverReleases_WaitersEndFaultedWithLockAbandonedAndTheirFinallyRuns()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        var gate = new CoroutineLock(loop);
        loop.Spawn(Careless(), "careless");
        Coroutine b = loop.Spawn(Holder(loop, gate, trace, "b", holdRounds: 0), "b");
        loop.Tick();
        loop.Tick();

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("b-waits@1 b-finally@2"));
            Assert.That(b.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(b.Exception, Is.InstanceOf<LockAbandonedException>());
            Assert.That(reported, Is.EqualTo(new[] { b.Exception }));
        });

        IEnumerator Careless()
        {
            yield return gate.Acquire();
            yield return Wait.Forever; // no try/finally: the lock is never released
        }
    }

    // ---- Routines --------------------------------------------------------------------------------------------

    /// <summary>
    /// Acquires the lock, holds it for <paramref name="holdRounds"/> rounds and releases it in a finally: traces
    /// "name+" when it runs owning the lock, "name-" when it releases it, "name-finally" when it ends without it.
    /// </summary>
    private static IEnumerator Holder(EventLoop loop, CoroutineLock gate, Trace trace, string name, int holdRounds, int delay = 0, bool reacquire = false)
    {
        for (int i = 0; i < delay; i++)
        {
            yield return null;
        }

        trace.Add($"{name}-waits@{loop.TickCount}");
        bool holding = false;
        try
        {
            yield return gate.Acquire();
            holding = true;
            trace.Add($"{name}+@{loop.TickCount}");
            if (reacquire)
            {
                yield return gate.Acquire();
            }

            for (int i = 0; i < holdRounds; i++)
            {
                yield return null;
            }
        }
        finally
        {
            if (holding)
            {
                gate.Release();
                trace.Add($"{name}-@{loop.TickCount}");
            }
            else
            {
                trace.Add($"{name}-finally@{loop.TickCount}");
            }
        }
    }

    private static IEnumerator AcquireWithTimeout(EventLoop loop, CoroutineLock gate, Trace trace, string name, TimeSpan timeout)
    {
        AnyWait first = Wait.Any(gate.Acquire(), Wait.For(timeout));
        trace.Add($"{name}-waits@{loop.TickCount}");
        yield return first;
        if (first.FiredIndex == 0)
        {
            trace.Add($"{name}-fired-0{(gate.Owner == loop.Current ? "-owner" : "")}@{loop.TickCount}");
            gate.Release();
        }
        else
        {
            trace.Add($"{name}-fired-1@{loop.TickCount}");
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
