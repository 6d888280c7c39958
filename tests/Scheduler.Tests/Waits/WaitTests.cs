using Scheduler.Tests.Support;

namespace Scheduler.Tests.Waits;

/// <summary>The wait catalogue: rounds, predicates and composites (DESIGN.md Semantics 1, 3, 4, 7).</summary>
public class WaitTests
{
    private static readonly TimeSpan s_second = TimeSpan.FromSeconds(1);

    // ---- Rounds ----------------------------------------------------------------------------------------------

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(5)]
    public void Ticks_YieldedInRoundR_ResumesInRoundRPlusN(int n)
    {
        using var loop = new EventLoop(new VirtualClock());
        long yieldedIn = 0;
        long resumedIn = 0;
        loop.Spawn(Body());

        var stepsPerRound = new List<int>();
        for (int round = 1; round <= n + 3; round++)
        {
            stepsPerRound.Add(loop.Tick());
        }

        // Round 1: the plain yield; round 2: Ticks(n); round 2 + n: the resume; then nothing.
        var expected = new List<int> { 1, 1 };
        expected.AddRange(Enumerable.Repeat(0, n - 1));
        expected.Add(1);
        expected.Add(0);
        Assert.Multiple(() =>
        {
            Assert.That(yieldedIn, Is.EqualTo(2));
            Assert.That(resumedIn, Is.EqualTo(2 + n));
            Assert.That(stepsPerRound, Is.EqualTo(expected));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Body()
        {
            yield return null;
            yieldedIn = loop.TickCount;
            yield return Wait.Ticks(n);
            resumedIn = loop.TickCount;
        }
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void Ticks_LessThanOne_ThrowsArgumentOutOfRangeNamingRounds(int rounds)
    {
        ArgumentOutOfRangeException? error = Assert.Throws<ArgumentOutOfRangeException>(() => Wait.Ticks(rounds));

        Assert.That(error!.ParamName, Is.EqualTo("rounds"));
    }

    [Test]
    public void Ticks_SameCount_ReturnsTheCachedInstance()
    {
        WaitCondition five = Wait.Ticks(5);
        WaitCondition fiveAgain = Wait.Ticks(5);

        Assert.Multiple(() =>
        {
            Assert.That(Wait.Ticks(1), Is.SameAs(Wait.NextTick));
            Assert.That(fiveAgain, Is.SameAs(five));
        });
    }

    [Test]
    public void NextTick_TicksOneAndNull_BehaveTheSame()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body("n", () => null), "null");
        loop.Spawn(Body("x", () => Wait.NextTick), "next");
        loop.Spawn(Body("t", () => Wait.Ticks(1)), "ticks1");

        loop.Tick();
        int readyAfterFirstRound = loop.ReadyCount;
        int timersAfterFirstRound = loop.PendingTimerCount;
        long steps = 3 + loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(readyAfterFirstRound, Is.EqualTo(3), "a one-round wait is a plain requeue");
            Assert.That(timersAfterFirstRound, Is.Zero);
            Assert.That(trace.ToString(), Is.EqualTo("n0#1 x0#1 t0#1 n1#2 x1#2 t1#2 n2#3 x2#3 t2#3"));
            Assert.That(steps, Is.EqualTo(12));
            Assert.That(loop.TickCount, Is.EqualTo(5));
        });

        IEnumerator Body(string name, Func<object?> wait)
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"{name}{i}#{loop.TickCount}");
                yield return wait();
            }
        }
    }

    [Test]
    public void RunUntilIdle_WhileATicksWaitIsPending_KeepsRunningThroughEmptyRounds()
    {
        var clock = new VirtualClock(); // no auto-advance: the clock has nothing to do with it
        using var loop = new EventLoop(clock);
        long resumedIn = 0;
        Coroutine waiter = loop.Spawn(Body());

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(resumedIn, Is.EqualTo(6));
            Assert.That(loop.TickCount, Is.EqualTo(7), "rounds 2-5 run no step, round 7 is the final empty round");
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });

        IEnumerator Body()
        {
            yield return Wait.Ticks(5);
            resumedIn = loop.TickCount;
        }
    }

    [Test]
    public void Ticks_EqualDueRounds_FireInTheOrderTheyWereSet()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Late(), "late");   // spawned first, sets its wait in round 2
        loop.Spawn(Early(), "early"); // spawned second, sets its wait in round 1

        loop.Tick();
        int pending = loop.PendingTimerCount;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(pending, Is.EqualTo(1), "a wait of two or more rounds is a pending timer");
            Assert.That(trace.ToString(), Is.EqualTo("early#4 late#4"));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Late()
        {
            yield return null;
            yield return Wait.Ticks(2);
            trace.Add($"late#{loop.TickCount}");
        }

        IEnumerator Early()
        {
            yield return Wait.Ticks(3);
            trace.Add($"early#{loop.TickCount}");
        }
    }

    // ---- Predicates ------------------------------------------------------------------------------------------

    [Test]
    public void Until_PolledOncePerRound_ResumesInTheRoundItHolds()
    {
        using var loop = new EventLoop(new VirtualClock());
        int calls = 0;
        bool open = false;
        long resumedIn = 0;
        Coroutine waiter = loop.Spawn(Body());

        var callsAfterRound = new List<int>();
        var stepsPerRound = new List<int>();
        var pendingAfterRound = new List<int>();
        for (int round = 1; round <= 6; round++)
        {
            if (round == 4)
            {
                open = true;
            }

            stepsPerRound.Add(loop.Tick());
            callsAfterRound.Add(calls);
            pendingAfterRound.Add(loop.PendingPredicateCount);
        }

        // Round 1: the wait begins in phase (c), after that round's polling. Rounds 2-4 poll once each.
        Assert.Multiple(() =>
        {
            Assert.That(callsAfterRound, Is.EqualTo(new List<int> { 0, 1, 2, 3, 3, 3 }));
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 0, 0, 1, 0, 0 }));
            Assert.That(pendingAfterRound, Is.EqualTo(new List<int> { 1, 1, 1, 0, 0, 0 }));
            Assert.That(resumedIn, Is.EqualTo(4));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(waiter.Steps, Is.EqualTo(2));
        });

        IEnumerator Body()
        {
            yield return Wait.Until(() =>
            {
                calls++;
                return open;
            });
            resumedIn = loop.TickCount;
        }
    }

    [Test]
    public void Until_AlreadyTrue_ResumesNextRoundAfterOnePoll()
    {
        using var loop = new EventLoop(new VirtualClock());
        int calls = 0;
        long yieldedIn = 0;
        long resumedIn = 0;
        loop.Spawn(Body());

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(3));
            Assert.That(calls, Is.EqualTo(1));
            Assert.That(yieldedIn, Is.EqualTo(2));
            Assert.That(resumedIn, Is.EqualTo(3));
        });

        IEnumerator Body()
        {
            yield return null;
            yieldedIn = loop.TickCount;
            yield return Wait.Until(() =>
            {
                calls++;
                return true;
            });
            resumedIn = loop.TickCount;
        }
    }

    [Test]
    public void Until_SeveralWaiters_ArePolledAndWokenInTheOrderTheirWaitsBegan()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        bool released = false;
        loop.Spawn(Body("A", delayed: true), "A");  // spawned first, begins waiting in round 2
        loop.Spawn(Body("B", delayed: false), "B"); // spawned second, begins waiting in round 1

        loop.Tick();
        trace.Add("|");
        loop.Tick();
        trace.Add("|");
        loop.Tick();
        trace.Add("|");
        released = true;
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("| pB | pB pA | pB pA B#4 A#4"));
            Assert.That(loop.PendingPredicateCount, Is.Zero);
        });

        IEnumerator Body(string name, bool delayed)
        {
            if (delayed)
            {
                yield return null;
            }

            yield return Wait.Until(() =>
            {
                trace.Add($"p{name}");
                return released;
            });
            trace.Add($"{name}#{loop.TickCount}");
        }
    }

    [Test]
    public void While_PolledOncePerRound_ResumesInTheRoundItStopsHolding()
    {
        using var loop = new EventLoop(new VirtualClock());
        int calls = 0;
        bool busy = true;
        long resumedIn = 0;
        Coroutine waiter = loop.Spawn(Body());

        var stepsPerRound = new List<int>();
        for (int round = 1; round <= 5; round++)
        {
            if (round == 3)
            {
                busy = false;
            }

            stepsPerRound.Add(loop.Tick());
        }

        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.EqualTo(2));
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 0, 1, 0, 0 }));
            Assert.That(resumedIn, Is.EqualTo(3));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.PendingPredicateCount, Is.Zero);
        });

        IEnumerator Body()
        {
            yield return Wait.While(() =>
            {
                calls++;
                return busy;
            });
            resumedIn = loop.TickCount;
        }
    }

    [Test]
    public void Until_PredicateThrows_FaultsTheWaiterWithThatInstance()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var boom = new InvalidOperationException("boom");
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        int calls = 0;
        Coroutine waiter = loop.Spawn(Body());

        int[] stepsPerRound = [loop.Tick(), loop.Tick(), loop.Tick(), loop.Tick()];

        // Round 2 polls false; round 3 polls and throws, and the waiter's disposal turn runs in round 3.
        Assert.Multiple(() =>
        {
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 0, 1, 0 }));
            Assert.That(calls, Is.EqualTo(2));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(waiter.Exception, Is.SameAs(boom));
            Assert.That(waiter.Steps, Is.EqualTo(2));
            Assert.That(trace.ToString(), Is.EqualTo("finally"));
            Assert.That(loop.PendingPredicateCount, Is.Zero);
            Assert.That(reported, Has.Count.EqualTo(1));
            Assert.That(reported[0], Is.SameAs(boom));
        });

        IEnumerator Body()
        {
            try
            {
                yield return Wait.Until(() =>
                {
                    if (++calls == 2)
                    {
                        throw boom;
                    }

                    return false;
                });
                trace.Add("resumed");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void UntilAndWhile_NullPredicate_ThrowArgumentNullNamingPredicate()
    {
        ArgumentNullException? until = Assert.Throws<ArgumentNullException>(() => Wait.Until(null!));
        ArgumentNullException? whileWait = Assert.Throws<ArgumentNullException>(() => Wait.While(null!));

        Assert.Multiple(() =>
        {
            Assert.That(until!.ParamName, Is.EqualTo("predicate"));
            Assert.That(whileWait!.ParamName, Is.EqualTo("predicate"));
        });
    }

    [Test]
    public void Cancel_PredicateWaiter_RemovesThePredicateAtOnce()
    {
        using var loop = new EventLoop(new VirtualClock());
        int calls = 0;
        Coroutine waiter = loop.Spawn(Body());
        loop.Tick();
        loop.Tick();
        int pendingBefore = loop.PendingPredicateCount;

        waiter.Cancel();
        int pendingAfterCancel = loop.PendingPredicateCount;
        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(pendingBefore, Is.EqualTo(1));
            Assert.That(pendingAfterCancel, Is.Zero);
            Assert.That(steps, Is.EqualTo(1), "the disposal turn");
            Assert.That(calls, Is.EqualTo(1), "never polled after the cancel");
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Canceled));
        });

        IEnumerator Body()
        {
            yield return Wait.Until(() =>
            {
                calls++;
                return false;
            });
        }
    }

    // ---- Composites ------------------------------------------------------------------------------------------

    [Test]
    public void All_TimersOfOneThreeAndTwoSeconds_ResumesOnceAfterTheLast()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var resumedAt = new List<TimeSpan>();
        Coroutine waiter = loop.Spawn(Body());

        var stepsPerRound = new List<int> { loop.Tick() };
        int pendingAfterYield = loop.PendingTimerCount;
        for (int i = 0; i < 4; i++)
        {
            clock.Advance(s_second);
            stepsPerRound.Add(loop.Tick());
        }

        Assert.Multiple(() =>
        {
            Assert.That(pendingAfterYield, Is.EqualTo(3));
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 0, 0, 1, 0 }));
            Assert.That(resumedAt, Is.EqualTo(new[] { TimeSpan.FromSeconds(3) }));
            Assert.That(waiter.Steps, Is.EqualTo(2));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Body()
        {
            yield return Wait.All(Wait.For(s_second), Wait.For(TimeSpan.FromSeconds(3)), Wait.For(TimeSpan.FromSeconds(2)));
            resumedAt.Add(clock.Elapsed);
        }
    }

    [Test]
    public void Any_TimersOfThreeOneAndTwoSeconds_ResumesAtTheFirstAndNamesIt()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        AnyWait any = Wait.Any(Wait.For(TimeSpan.FromSeconds(3)), Wait.For(s_second), Wait.For(TimeSpan.FromSeconds(2)));
        int firedBefore = any.FiredIndex;
        WaitCondition? firedChildBefore = any.Fired;
        int pendingAtResume = -1;
        Coroutine waiter = loop.Spawn(Body());

        loop.Tick();
        int pendingAfterYield = loop.PendingTimerCount;
        clock.Advance(s_second);
        int stepsAtFirstDeadline = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(firedBefore, Is.EqualTo(-1));
            Assert.That(firedChildBefore, Is.Null);
            Assert.That(pendingAfterYield, Is.EqualTo(3));
            Assert.That(stepsAtFirstDeadline, Is.EqualTo(1));
            Assert.That(pendingAtResume, Is.Zero, "the losing timers are removed when the first fires");
            Assert.That(any.FiredIndex, Is.EqualTo(1));
            Assert.That(any.Fired, Is.SameAs(any.Children[1]));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Body()
        {
            yield return any;
            pendingAtResume = loop.PendingTimerCount;
        }
    }

    [Test]
    public void Any_WorkerFinishesBeforeTheTimeout_ResumesWithTheWorkerAndDropsTheTimeout()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine<int> worker = loop.Spawn<int>(Worker(), "worker");
        loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("fired 0 result 42 @00:00:01 pending 0"));
            Assert.That(clock.Elapsed, Is.EqualTo(s_second), "no timeout timer left to jump to");
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Worker()
        {
            yield return Wait.For(s_second);
            yield return Routine.Return(42);
        }

        IEnumerator Waiter()
        {
            AnyWait first = Wait.Any(worker, Wait.For(TimeSpan.FromSeconds(5)));
            yield return first;
            trace.Add($"fired {first.FiredIndex} result {worker.Result} @{clock.Elapsed} pending {loop.PendingTimerCount}");
        }
    }

    [Test]
    public void Any_TimeoutFiresBeforeTheWorker_ResumesWithTheTimeoutAndCanCancelTheWorker()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("fired 1 @00:00:02 worker finally"));
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Worker()
        {
            try
            {
                yield return Wait.For(TimeSpan.FromSeconds(10));
                trace.Add("worker done");
            }
            finally
            {
                trace.Add("worker finally");
            }
        }

        IEnumerator Waiter()
        {
            AnyWait first = Wait.Any(worker, Wait.For(TimeSpan.FromSeconds(2)));
            yield return first;
            trace.Add($"fired {first.FiredIndex} @{clock.Elapsed}");
            worker.Cancel();
        }
    }

    [Test]
    public void Any_TimeoutFiresBeforeTheWorker_TheWorkerNoLongerHasThatJoiner()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var boom = new InvalidOperationException("late");
        var reported = new List<(Coroutine? Coroutine, Exception Exception)>();
        loop.UnobservedFault += (_, e) => reported.Add((e.Coroutine, e.Exception));
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        // The Any's join of the worker was removed when the timeout won, so the worker's later fault is unobserved.
        Assert.Multiple(() =>
        {
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(reported, Has.Count.EqualTo(1));
            Assert.That(reported[0].Coroutine, Is.SameAs(worker));
            Assert.That(reported[0].Exception, Is.SameAs(boom));
        });

        IEnumerator Worker()
        {
            yield return Wait.For(TimeSpan.FromSeconds(10));
            throw boom;
        }

        IEnumerator Waiter()
        {
            yield return Wait.Any(worker, Wait.For(TimeSpan.FromSeconds(2)));
        }
    }

    [Test]
    public void Any_JoinedCoroutineFaultsFirst_WaiterFaultsWithThatInstance()
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
            Assert.That(worker.Exception, Is.SameAs(boom));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(waiter.Exception, Is.SameAs(boom));
            Assert.That(waiter.Steps, Is.EqualTo(2), "the yield and the disposal turn");
            Assert.That(trace.ToString(), Is.EqualTo("waiter finally"));
            Assert.That(clock.Elapsed, Is.EqualTo(s_second), "the timeout was removed");
            Assert.That(reported, Is.EqualTo(new[] { waiter }), "the worker's fault was observed by the Any");
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
                yield return Wait.Any(worker, Wait.For(TimeSpan.FromSeconds(5)));
                trace.Add("waiter resumed");
            }
            finally
            {
                trace.Add("waiter finally");
            }
        }
    }

    [Test]
    public void Any_SettledChildOfAFaultingCoroutine_ResumesWithoutInheritingTheFault()
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
            Assert.That(trace.ToString(), Is.EqualTo("fired 0 worker Faulted"));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(worker.Exception, Is.SameAs(boom));
            Assert.That(reported, Is.Empty, "a settled join observes the fault");
            Assert.That(clock.Elapsed, Is.EqualTo(s_second));
        });

        IEnumerator Worker()
        {
            yield return Wait.For(s_second);
            throw boom;
        }

        IEnumerator Waiter()
        {
            AnyWait first = Wait.Any(Wait.Settled(worker), Wait.For(TimeSpan.FromSeconds(5)));
            yield return first;
            trace.Add($"fired {first.FiredIndex} worker {worker.State}");
        }
    }

    [Test]
    public void All_JoinedCoroutineFaults_WaiterFaultsAtOnceWithThatInstance()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var boom = new InvalidOperationException("boom");
        bool resumed = false;
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine waiter = loop.Spawn(Waiter(), "waiter");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(waiter.Exception, Is.SameAs(boom));
            Assert.That(resumed, Is.False);
            Assert.That(clock.Elapsed, Is.EqualTo(s_second), "the other child's timer was removed");
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Worker()
        {
            yield return Wait.For(s_second);
            throw boom;
        }

        IEnumerator Waiter()
        {
            yield return Wait.All(worker, Wait.For(TimeSpan.FromSeconds(5)));
            resumed = true;
        }
    }

    [TestCase(3000, 0, 2000)]
    [TestCase(1500, 1, 1500)]
    public void Any_NestedAllAndTimer_FiresAtTheFirstToHoldAndRemovesEveryOtherTimer(int outerMs, int expectedIndex, int expectedMs)
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        AnyWait any = Wait.Any(
            Wait.All(Wait.For(s_second), Wait.For(TimeSpan.FromSeconds(2))),
            Wait.For(TimeSpan.FromMilliseconds(outerMs)));
        TimeSpan resumedAt = TimeSpan.MinValue;
        int pendingAtResume = -1;
        Coroutine waiter = loop.Spawn(Body());

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(any.FiredIndex, Is.EqualTo(expectedIndex));
            Assert.That(resumedAt, Is.EqualTo(TimeSpan.FromMilliseconds(expectedMs)));
            Assert.That(pendingAtResume, Is.Zero);
            Assert.That(waiter.Steps, Is.EqualTo(2));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromMilliseconds(expectedMs)), "no timer left to jump to");
        });

        IEnumerator Body()
        {
            yield return any;
            resumedAt = clock.Elapsed;
            pendingAtResume = loop.PendingTimerCount;
        }
    }

    [Test]
    public void All_Empty_ResumesNextRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        long yieldedIn = 0;
        long resumedIn = 0;
        loop.Spawn(Body());

        int[] stepsPerRound = [loop.Tick(), loop.Tick(), loop.Tick(), loop.Tick()];

        Assert.Multiple(() =>
        {
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 1, 1, 0 }));
            Assert.That(yieldedIn, Is.EqualTo(2));
            Assert.That(resumedIn, Is.EqualTo(3));
        });

        IEnumerator Body()
        {
            yield return null;
            yieldedIn = loop.TickCount;
            yield return Wait.All();
            resumedIn = loop.TickCount;
        }
    }

    [Test]
    public void Any_Empty_ThrowsArgumentException()
    {
        ArgumentException? error = Assert.Throws<ArgumentException>(() => Wait.Any());

        Assert.That(error!.ParamName, Is.EqualTo("waits"));
    }

    [Test]
    public void AllAndAny_NullElementOrNullArray_ThrowArgumentNullNamingWaits()
    {
        ArgumentNullException? allElement = Assert.Throws<ArgumentNullException>(() => Wait.All(Wait.NextTick, null!));
        ArgumentNullException? anyElement = Assert.Throws<ArgumentNullException>(() => Wait.Any(null!, Wait.NextTick));
        ArgumentNullException? allArray = Assert.Throws<ArgumentNullException>(() => Wait.All(null!));
        ArgumentNullException? anyArray = Assert.Throws<ArgumentNullException>(() => Wait.Any(null!));

        Assert.Multiple(() =>
        {
            Assert.That(allElement!.ParamName, Is.EqualTo("waits"));
            Assert.That(anyElement!.ParamName, Is.EqualTo("waits"));
            Assert.That(allArray!.ParamName, Is.EqualTo("waits"));
            Assert.That(anyArray!.ParamName, Is.EqualTo("waits"));
        });
    }

    [Test]
    public void All_FinishedCoroutineAndNextTick_ResumesNextRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine finished = loop.Spawn(Empty(), "finished");
        loop.RunUntilIdle();
        long roundsBefore = loop.TickCount;
        long yieldedIn = 0;
        long resumedIn = 0;
        Coroutine waiter = loop.Spawn(Body(), "waiter");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(finished.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(yieldedIn, Is.EqualTo(roundsBefore + 1));
            Assert.That(resumedIn, Is.EqualTo(yieldedIn + 1));
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed));
        });

        static IEnumerator Empty()
        {
            yield break;
        }

        IEnumerator Body()
        {
            yieldedIn = loop.TickCount;
            yield return Wait.All(finished, Wait.NextTick);
            resumedIn = loop.TickCount;
        }
    }
}
