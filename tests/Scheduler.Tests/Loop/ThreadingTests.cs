using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// The threading contract (Semantics 1 and 9): <c>Spawn</c>, <c>Post</c> and <c>Cancel</c> are safe from any
/// thread and go through the inbox, which a round takes as a snapshot in phase (a); a post wakes an idle
/// <c>Run</c> at once; everything else belongs to the loop's thread, and a driver called from inside a step
/// throws. Timeouts here are safety nets that turn a hang into a failure; no assertion rests on wall-clock time.
/// </summary>
public class ThreadingTests
{
    /// <summary>Only for joins and handshakes that would otherwise hang a broken build; never an oracle.</summary>
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    /// <summary>The drivers and Dispose, each of which takes the loop's thread role.</summary>
    public enum Driver
    {
        Tick,
        RunUntilIdle,
        RunUntilIdleWithBudget,
        Run,
        RunUntilComplete,
        Dispose,
    }

    [Test]
    public void Post_MillionPostsFromEightThreads_EachRunsOnceOnLoopThreadInOrderPerProducer()
    {
        const int Producers = 8;
        const int PerProducer = 125_000;
        const int Total = Producers * PerProducer;

        using var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();

        // Loop-owned state: written only by callbacks on the loop thread, read by the test after Join.
        int[] nextSeq = new int[Producers];
        int ran = 0;
        int outOfOrder = 0;
        int offLoopThread = 0;
        Exception? runFault = null;

        var runner = new Thread(() =>
        {
            try
            {
                loop.Run(stop.Token);
            }
            catch (Exception ex)
            {
                runFault = ex;
            }
        })
        {
            IsBackground = true,
            Name = "loop",
        };
        int loopThreadId = runner.ManagedThreadId;
        runner.Start();

        using var startLine = new Barrier(Producers);
        var producers = new Thread[Producers];
        var producerFaults = new Exception?[Producers];
        for (int p = 0; p < Producers; p++)
        {
            int producer = p;
            producers[p] = new Thread(() =>
            {
                try
                {
                    startLine.SignalAndWait();
                    for (int seq = 0; seq < PerProducer; seq++)
                    {
                        int s = seq;
                        loop.Post(() => Record(producer, s));
                    }
                }
                catch (Exception ex)
                {
                    producerFaults[producer] = ex;
                }
            })
            {
                IsBackground = true,
            };
            producers[p].Start();
        }

        foreach (Thread producer in producers)
        {
            Assert.That(producer.Join(TimeSpan.FromSeconds(60)), Is.True, "a producer did not finish posting");
        }

        // The last callback cancels the token; the join only guards against a hang (a lost or stuck post).
        bool stopped = runner.Join(TimeSpan.FromSeconds(60));
        if (!stopped)
        {
            stop.Cancel();
            runner.Join(s_safetyNet);
        }

        Assert.Multiple(() =>
        {
            Assert.That(stopped, Is.True, $"Run did not see all {Total} posts (it saw {Volatile.Read(ref ran)})");
            Assert.That(runFault, Is.Null);
            Assert.That(producerFaults, Is.All.Null);
            Assert.That(ran, Is.EqualTo(Total));
            Assert.That(nextSeq, Is.All.EqualTo(PerProducer), "every producer's posts all ran, each once");
            Assert.That(outOfOrder, Is.Zero, "posts of one producer run in the order it posted them");
            Assert.That(offLoopThread, Is.Zero, "every callback runs on the loop thread");
        });

        void Record(int producer, int seq)
        {
            if (Environment.CurrentManagedThreadId != loopThreadId || !loop.IsLoopThread)
            {
                offLoopThread++;
            }

            if (seq != nextSeq[producer])
            {
                outOfOrder++;
            }

            nextSeq[producer] = seq + 1;
            if (++ran == Total)
            {
                stop.Cancel();
            }
        }
    }

    [Test]
    public void Post_ToRunSleepingWithNothingToDo_WakesItAtOnceEveryTime()
    {
        const int Rounds = 1_000;
        using var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();
        using var ranSignal = new AutoResetEvent(false);
        int ran = 0;
        Exception? runFault = null;
        var runner = new Thread(() =>
        {
            try
            {
                loop.Run(stop.Token);
            }
            catch (Exception ex)
            {
                runFault = ex;
            }
        })
        {
            IsBackground = true,
            Name = "loop",
        };
        runner.Start();

        int missed = -1;
        try
        {
            for (int i = 0; i < Rounds; i++)
            {
                // Even iterations: wait until the loop thread is blocked in its sleep, so the post must wake it.
                // Odd iterations: post at once, racing the loop on its way from "inbox empty" to "asleep".
                if (i % 2 == 0)
                {
                    WaitUntilBlocked(runner);
                }

                loop.Post(() =>
                {
                    ran++;
                    ranSignal.Set();
                });

                // With no timer and no coroutine, Run sleeps without a limit: a lost wake-up hangs here.
                if (!ranSignal.WaitOne(s_safetyNet))
                {
                    missed = i;
                    break;
                }
            }
        }
        finally
        {
            stop.Cancel();
            runner.Join(s_safetyNet);
        }

        Assert.Multiple(() =>
        {
            Assert.That(missed, Is.EqualTo(-1), $"post {missed} did not wake the sleeping Run (lost wake-up)");
            Assert.That(runFault, Is.Null);
            Assert.That(ran, Is.EqualTo(Rounds));
            Assert.That(loop.StepCount, Is.Zero, "callbacks are not steps");
        });
    }

    [Test]
    public void Run_TokenCanceledWhileSleeping_ReturnsAndLeavesCoroutinesAlive()
    {
        using var loop = new EventLoop();
        using var stop = new CancellationTokenSource();
        var trace = new Trace();
        Coroutine parked = loop.Spawn(Parked(), "parked");
        Exception? runFault = null;
        var runner = new Thread(() =>
        {
            try
            {
                loop.Run(stop.Token);
            }
            catch (Exception ex)
            {
                runFault = ex;
            }
        })
        {
            IsBackground = true,
            Name = "loop",
        };
        runner.Start();

        WaitUntilBlocked(runner);
        bool sleptWithLiveCoroutine = parked.State == CoroutineState.Waiting;
        stop.Cancel();
        bool returned = runner.Join(s_safetyNet);

        Assert.Multiple(() =>
        {
            Assert.That(sleptWithLiveCoroutine, Is.True, "Run went to sleep with the coroutine parked");
            Assert.That(returned, Is.True, "a canceled token stops a sleeping Run");
            Assert.That(runFault, Is.Null);
            Assert.That(parked.State, Is.EqualTo(CoroutineState.Waiting), "Run leaves live coroutines alive");
            Assert.That(parked.Steps, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("parked"));
        });

        IEnumerator Parked()
        {
            trace.Add("parked");
            yield return Wait.Forever;
            trace.Add("resumed");
        }
    }

    [Test]
    public void Run_NoLiveCoroutineLeft_ReturnsByItself()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var trace = new Trace();
        Coroutine yielder = loop.Spawn(Yielder(), "yielder");
        Coroutine sleeper = loop.Spawn(Sleeper(), "sleeper");
        Exception? runFault = null;
        var runner = new Thread(() =>
        {
            try
            {
                loop.Run(CancellationToken.None);
            }
            catch (Exception ex)
            {
                runFault = ex;
            }
        })
        {
            IsBackground = true,
            Name = "loop",
        };

        runner.Start();
        bool returned = runner.Join(s_safetyNet);

        Assert.Multiple(() =>
        {
            Assert.That(returned, Is.True, "Run returns once no coroutine is alive");
            Assert.That(runFault, Is.Null);
            Assert.That(yielder.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.StepCount, Is.EqualTo(4 + 2), "three yields then the end, one sleep then the end");
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromHours(1)), "an idle Run jumps an auto-advancing clock");
            Assert.That(trace.ToString(), Is.EqualTo("y0 s0 y1 y2 y3 s1"));
        });

        IEnumerator Yielder()
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"y{i}");
                yield return null;
            }

            trace.Add("y3");
        }

        IEnumerator Sleeper()
        {
            trace.Add("s0");
            yield return Wait.For(TimeSpan.FromHours(1));
            trace.Add("s1");
        }
    }

    [Test]
    public void Run_EmptyLoop_ReturnsAtOnce()
    {
        using var loop = new EventLoop();
        var runner = new Thread(() => loop.Run(CancellationToken.None)) { IsBackground = true };

        runner.Start();

        Assert.That(runner.Join(s_safetyNet), Is.True, "Run on a loop with nothing to do returns at once");
    }

    [Test]
    public void Spawn_FromAnotherThread_GoesThroughInboxAndRunsInNextRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        Coroutine? remote = null;

        RunOnHelperThread(() => remote = loop.Spawn(Body(), "remote"));

        Assert.That(remote, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(remote!.State, Is.EqualTo(CoroutineState.Ready));
            Assert.That(remote.Steps, Is.Zero);
            Assert.That(remote.Id, Is.EqualTo(1));
            Assert.That(loop.LiveCount, Is.Zero, "not admitted until phase (a) takes it from the inbox");
            Assert.That(loop.ReadyCount, Is.Zero);
        });

        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1), "taken in phase (a), stepped in phase (c) of the same round");
            Assert.That(trace.ToString(), Is.EqualTo("remote@1"));
            Assert.That(remote!.Steps, Is.EqualTo(1));
            Assert.That(loop.LiveCount, Is.EqualTo(1));
        });

        Assert.That(loop.Tick(), Is.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("remote@1 remote@2"));
            Assert.That(remote!.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(remote.Steps, Is.EqualTo(2));
        });

        IEnumerator Body()
        {
            trace.Add($"remote@{loop.TickCount}");
            yield return null;
            trace.Add($"remote@{loop.TickCount}");
        }
    }

    [Test]
    public void Spawn_FromAnotherThreadBehindLocalSpawn_QueuedAfterTasksAlreadyReady()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        loop.Spawn(Body("local"), "local");

        RunOnHelperThread(() => loop.Spawn(Body("remote"), "remote"));
        loop.Spawn(Body("local2"), "local2");
        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(3));
            Assert.That(trace.ToString(), Is.EqualTo("local local2 remote"), "phase (a) appends the remote spawn behind what was ready");
        });

        IEnumerator Body(string name)
        {
            trace.Add(name);
            yield break;
        }
    }

    [Test]
    public void Cancel_FromAnotherThread_IsAppliedInNextRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        Coroutine sleeper = loop.Spawn(Sleeper(), "sleeper");
        loop.Tick();
        bool first = false;
        bool second = true;

        RunOnHelperThread(() =>
        {
            first = sleeper.Cancel();
            second = sleeper.Cancel();
        });

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False, "Cancel returns true once");
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Waiting), "a foreign cancel waits in the inbox");
            Assert.That(trace.ToString(), Is.EqualTo("start@1"));
        });

        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1), "applied in phase (a); the disposal turn runs in phase (c) and counts as a step");
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(sleeper.Steps, Is.EqualTo(2));
            Assert.That(trace.ToString(), Is.EqualTo("start@1 finally@2"));
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Sleeper()
        {
            try
            {
                trace.Add($"start@{loop.TickCount}");
                yield return Wait.Forever;
                trace.Add("resumed");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Post_CallbackThatRepostsItself_RunsOncePerRoundAndDoesNotStarveYieldingTask()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        var stepsPerRound = new List<int>();
        loop.Post(Again);
        Coroutine worker = loop.Spawn(Worker(), "worker");

        for (int i = 0; i < 4; i++)
        {
            stepsPerRound.Add(loop.Tick());
        }

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("cb@1 w@1 cb@2 w@2 cb@3 w@3 cb@4 end@4"));
            Assert.That(stepsPerRound, Has.Count.EqualTo(4).And.All.EqualTo(1));
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Completed));
        });

        void Again()
        {
            trace.Add($"cb@{loop.TickCount}");
            loop.Post(Again);
        }

        IEnumerator Worker()
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"w@{loop.TickCount}");
                yield return null;
            }

            trace.Add($"end@{loop.TickCount}");
        }
    }

    [Test]
    public void Post_FromAnotherThreadDuringStep_RunsAtStartOfNextRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        loop.Spawn(Worker(), "worker");

        loop.Tick();
        string afterRound1 = trace.ToString();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(afterRound1, Is.EqualTo("w@1 posted"), "phase (a) of round 1 is over when the post arrives");
            Assert.That(trace.ToString(), Is.EqualTo("w@1 posted cb@2 w@2"));
        });

        IEnumerator Worker()
        {
            trace.Add($"w@{loop.TickCount}");
            // The step itself waits for a foreign thread to post (the test's choice; the library never blocks).
            RunOnHelperThread(() => loop.Post(() => trace.Add($"cb@{loop.TickCount}")));
            trace.Add("posted");
            yield return null;
            trace.Add($"w@{loop.TickCount}");
        }
    }

    [Test]
    public void LoopOnlyMembers_FromForeignThread_ThrowInvalidOperationException()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Forever(), "parked");
        loop.Tick();
        var outcomes = new Dictionary<string, Exception?>();
        bool foreignIsLoopThread = true;
        long foreignStepCount = -1;
        long foreignTickCount = -1;

        RunOnHelperThread(() =>
        {
            foreignIsLoopThread = loop.IsLoopThread;
            outcomes["LiveCount"] = Catch(() => _ = loop.LiveCount);
            outcomes["ReadyCount"] = Catch(() => _ = loop.ReadyCount);
            outcomes["PendingTimerCount"] = Catch(() => _ = loop.PendingTimerCount);
            outcomes["PendingPredicateCount"] = Catch(() => _ = loop.PendingPredicateCount);
            outcomes["Current"] = Catch(() => _ = loop.Current);
            foreignStepCount = loop.StepCount;
            foreignTickCount = loop.TickCount;
        });

        Assert.Multiple(() =>
        {
            foreach ((string member, Exception? outcome) in outcomes)
            {
                Assert.That(
                    outcome,
                    Is.TypeOf<InvalidOperationException>().With.Message.Contains("belongs to the event loop's thread"),
                    member);
            }

            Assert.That(outcomes, Has.Count.EqualTo(5));
            Assert.That(foreignIsLoopThread, Is.False);
            Assert.That(loop.IsLoopThread, Is.True, "the creating thread owns the loop while no driver runs");
            Assert.That(foreignStepCount, Is.EqualTo(1), "StepCount is safe from any thread");
            Assert.That(foreignTickCount, Is.EqualTo(1), "TickCount is safe from any thread");
            Assert.That(loop.LiveCount, Is.EqualTo(1), "the owner reads the same member without error");
        });
    }

    [TestCase(Driver.Tick)]
    [TestCase(Driver.RunUntilIdle)]
    [TestCase(Driver.RunUntilIdleWithBudget)]
    [TestCase(Driver.Run)]
    [TestCase(Driver.RunUntilComplete)]
    public void Driver_WhileAnotherThreadDrives_ThrowsInvalidOperationException(Driver driver) // Dispose defers instead: DisposeTests
    {
        using var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();
        using var driving = new ManualResetEventSlim(false);
        Coroutine parked = loop.Spawn(Forever(), "parked");
        var runner = new Thread(() => loop.Run(stop.Token)) { IsBackground = true, Name = "loop" };
        runner.Start();

        // A posted callback runs inside Run: once it has run, the other thread is driving.
        loop.Post(driving.Set);
        Assert.That(driving.Wait(s_safetyNet), Is.True, "Run did not start");

        Exception? outcome;
        Exception? liveCount;
        try
        {
            outcome = Catch(() => Call(loop, driver, parked));
            liveCount = Catch(() => _ = loop.LiveCount);
        }
        finally
        {
            stop.Cancel();
            Assert.That(runner.Join(s_safetyNet), Is.True);
        }

        Assert.Multiple(() =>
        {
            Assert.That(outcome, Is.TypeOf<InvalidOperationException>().With.Message.Contains("already being driven"));
            Assert.That(
                liveCount,
                Is.TypeOf<InvalidOperationException>(),
                "while another thread drives, the creating thread no longer owns the loop");
            Assert.That(parked.State, Is.EqualTo(CoroutineState.Waiting), "the failed call changed nothing");
        });
    }

    [Test]
    public void Ownership_MovesToTheThreadThatRunsADriverWhenNoneRuns()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine worker = loop.Spawn(Yielder(3), "worker");
        bool helperOwnsBefore = true;
        bool helperOwnsAfter = false;
        int helperLiveCount = -1;
        int helperSteps = -1;

        Assert.That(loop.IsLoopThread, Is.True);

        RunOnHelperThread(() =>
        {
            helperOwnsBefore = loop.IsLoopThread;
            helperSteps = loop.Tick();
            helperOwnsAfter = loop.IsLoopThread;
            helperLiveCount = loop.LiveCount;
        });

        Assert.Multiple(() =>
        {
            Assert.That(helperOwnsBefore, Is.False);
            Assert.That(helperSteps, Is.EqualTo(1), "a driver may run on any thread while none runs");
            Assert.That(helperOwnsAfter, Is.True, "the thread that last ran a driver owns the loop");
            Assert.That(helperLiveCount, Is.EqualTo(1));
            Assert.That(loop.IsLoopThread, Is.False, "the creating thread lost the role");
            Assert.That(() => loop.LiveCount, Throws.InvalidOperationException);
        });

        Assert.That(loop.RunUntilIdle(), Is.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(loop.IsLoopThread, Is.True, "running a driver took the role back");
            Assert.That(loop.LiveCount, Is.Zero);
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(worker.Steps, Is.EqualTo(4));
        });
    }

    [Test]
    public void IsLoopThread_InsideStepAndCallback_IsTrueOnDriverThread()
    {
        using var loop = new EventLoop(new VirtualClock());
        bool inStep = false;
        bool inCallback = false;
        Coroutine? currentInStep = null;
        Coroutine? currentInCallback = loop.Spawn(Idle(), "placeholder");
        Coroutine probe = loop.Spawn(Probe(), "probe");
        loop.Post(() =>
        {
            inCallback = loop.IsLoopThread;
            currentInCallback = loop.Current;
        });

        RunOnHelperThread(() => loop.RunUntilIdle());

        Assert.Multiple(() =>
        {
            Assert.That(inStep, Is.True);
            Assert.That(inCallback, Is.True);
            Assert.That(currentInStep, Is.SameAs(probe), "Current is the coroutine whose step runs");
            Assert.That(currentInCallback, Is.Null, "no coroutine is current while a posted callback runs");
            Assert.That(loop.IsLoopThread, Is.False);
        });

        IEnumerator Probe()
        {
            inStep = loop.IsLoopThread;
            currentInStep = loop.Current;
            yield break;
        }

        static IEnumerator Idle()
        {
            yield break;
        }
    }

    [TestCase(Driver.Tick)]
    [TestCase(Driver.RunUntilIdle)]
    [TestCase(Driver.RunUntilIdleWithBudget)]
    [TestCase(Driver.Run)]
    [TestCase(Driver.RunUntilComplete)]
    [TestCase(Driver.Dispose)]
    public void Driver_CalledFromInsideStep_FaultsThatStepWithInvalidOperationException(Driver driver)
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        Coroutine bystander = loop.Spawn(Yielder(2), "bystander");
        Coroutine reentrant = loop.Spawn(Reentrant(), "reentrant");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(reentrant.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                reentrant.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("from inside the step of coroutine 'reentrant' (#2)")
                    .And.Message.Contains(driver.ToString().Replace("WithBudget", string.Empty, StringComparison.Ordinal)));
            Assert.That(trace.ToString(), Is.EqualTo("before finally"), "the rest of the step did not run; its finally did");
            Assert.That(reported, Is.EqualTo(new[] { reentrant.Exception }), "reported once as unobserved");
            Assert.That(bystander.State, Is.EqualTo(CoroutineState.Completed), "the outer driver carried on");
            Assert.That(bystander.Steps, Is.EqualTo(3));
            Assert.That(reentrant.Steps, Is.EqualTo(1));
            Assert.That(steps, Is.EqualTo(4));
        });

        // A re-entrant Dispose must not have disposed the loop.
        Assert.That(loop.Spawn(Yielder(0), "after").Id, Is.EqualTo(3));

        IEnumerator Reentrant()
        {
            try
            {
                trace.Add("before");
                Call(loop, driver, bystander);
                trace.Add("after");
                yield return null;
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void Driver_CalledFromPostedCallback_ThrowsAndIsReportedWithoutCoroutine()
    {
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<UnobservedFaultEventArgs>();
        loop.UnobservedFault += (_, e) => reported.Add(e);
        bool nextRan = false;
        loop.Post(() => loop.Tick());
        loop.Post(() => nextRan = true);

        loop.Tick();

        Assert.That(reported, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(reported[0].Coroutine, Is.Null);
            Assert.That(reported[0].Exception, Is.TypeOf<InvalidOperationException>().With.Message.Contains("re-entrantly"));
            Assert.That(nextRan, Is.True, "the other callbacks still run");
        });
    }

    private static void Call(EventLoop loop, Driver driver, Coroutine target)
    {
        switch (driver)
        {
            case Driver.Tick:
                loop.Tick();
                break;
            case Driver.RunUntilIdle:
                loop.RunUntilIdle();
                break;
            case Driver.RunUntilIdleWithBudget:
                loop.RunUntilIdle(1_000);
                break;
            case Driver.Run:
                loop.Run(CancellationToken.None);
                break;
            case Driver.RunUntilComplete:
                loop.RunUntilComplete(target);
                break;
            case Driver.Dispose:
                loop.Dispose();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(driver));
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

    /// <summary>Runs <paramref name="action"/> on a new thread, waits for it, and rethrows what it threw.</summary>
    private static void RunOnHelperThread(Action action)
    {
        Exception? fault = null;
        var thread = new Thread(() => fault = Catch(action)) { IsBackground = true, Name = "helper" };
        thread.Start();
        if (!thread.Join(s_safetyNet))
        {
            throw new AssertionException("the helper thread did not finish");
        }

        if (fault is not null)
        {
            throw new AssertionException($"the helper thread threw {fault}");
        }
    }

    /// <summary>Waits until <paramref name="thread"/> is blocked (the loop asleep in Run), or fails after the safety net.</summary>
    private static void WaitUntilBlocked(Thread thread)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while ((thread.ThreadState & System.Threading.ThreadState.WaitSleepJoin) == 0)
        {
            if (watch.Elapsed > s_safetyNet)
            {
                throw new AssertionException("the loop thread never went to sleep");
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private static IEnumerator Yielder(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Forever()
    {
        yield return Wait.Forever;
    }
}
