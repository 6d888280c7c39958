using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// Bad input gets a clear error whose message names what was wrong (DESIGN.md "Rules that hold everywhere"):
/// argument errors throw at the call; errors only a step can find fault that coroutine alone.
/// </summary>
public class BadInputTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    [Test]
    public void Constructor_NullClock_ThrowsArgumentNullException()
    {
        Assert.Multiple(() =>
        {
            Assert.That(
                () => new EventLoop((TimeProvider)null!),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("clock"));
            Assert.That(() => new EventLoop((EventLoopOptions)null!), Throws.ArgumentNullException);
            Assert.That(() => new EventLoop(new EventLoopOptions { Clock = null! }), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void Spawn_NullRoutine_ThrowsArgumentNullException()
    {
        using var loop = new EventLoop(new VirtualClock());

        Assert.Multiple(() =>
        {
            Assert.That(
                () => loop.Spawn(null!, "nothing"),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("routine"));
            Assert.That(
                () => loop.Spawn<int>(null!, "nothing"),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("routine"));
            Assert.That(
                () => loop.RunUntilComplete((IEnumerator)null!),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("routine"));
            Assert.That(
                () => loop.RunUntilComplete((Coroutine)null!),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("coroutine"));
            Assert.That(
                () => loop.Post(null!),
                Throws.ArgumentNullException.With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("callback"));
            Assert.That(loop.LiveCount, Is.Zero, "nothing was admitted");
        });
    }

    [TestCase(42, "System.Int32")]
    [TestCase("hello", "System.String")]
    [TestCase(2.5, "System.Double")]
    public void Yield_UnsupportedObject_FaultsCoroutineNamingItAndTheType(object yielded, string typeName)
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        Coroutine bystander = loop.Spawn(Yielder(2), "bystander");
        Coroutine bad = loop.Spawn(Bad(), "bad");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(bad.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                bad.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'bad' (#2)")
                    .And.Message.Contains(typeName));
            Assert.That(bad.Steps, Is.EqualTo(2), "it faults in the step that yielded the object");
            Assert.That(trace.ToString(), Is.EqualTo("first finally"), "its finally runs once as the fault unwinds it");
            Assert.That(bystander.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(bystander.Steps, Is.EqualTo(3));
            Assert.That(steps, Is.EqualTo(5));
        });

        IEnumerator Bad()
        {
            try
            {
                trace.Add("first");
                yield return null;
                yield return yielded;
                trace.Add("after");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void Yield_UnsupportedObjectFromUnnamedCoroutineOfAMethod_NamesTheMethod()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine bad = loop.Spawn(YieldsAnInt());

        loop.RunUntilIdle();

        Assert.That(
            bad.Exception,
            Is.TypeOf<InvalidOperationException>()
                .With.Message.Contains("coroutine #1 (YieldsAnInt)")
                .And.Message.Contains("System.Int32"));
    }

    [Test]
    public void Yield_UnsupportedObjectFromUnnamedCoroutineOfALocalFunction_NamesTheLocalFunction()
    {
        // A local-function iterator's compiler type is named <<Outer>g__Local|n_m>d; the routine is 'Local'.
        using var loop = new EventLoop(new VirtualClock());
        Coroutine bad = loop.Spawn(LocalYieldsAnInt());

        loop.RunUntilIdle();

        Assert.That(
            bad.Exception,
            Is.TypeOf<InvalidOperationException>()
                .With.Message.Contains("coroutine #1 (LocalYieldsAnInt)")
                .And.Message.Contains("System.Int32"));

        static IEnumerator LocalYieldsAnInt()
        {
            yield return 42;
        }
    }

    [Test]
    public void Spawn_SameEnumeratorTwice_SecondSpawnThrowsNamingTheFirstCoroutine()
    {
        using var loop = new EventLoop(new VirtualClock());
        int runs = 0;
        IEnumerator routine = Body();
        Coroutine first = loop.Spawn(routine, "first");

        Assert.That(
            () => loop.Spawn(routine, "second"),
            Throws.InvalidOperationException.With.Message.Contains("coroutine 'first' (#1)"));

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(first.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(runs, Is.EqualTo(1), "the routine ran in one place only");
            Assert.That(loop.StepCount, Is.EqualTo(2));
        });

        IEnumerator Body()
        {
            runs++;
            yield return null;
        }
    }

    [Test]
    public void Spawn_SameEnumeratorTwiceFromAnotherThread_SecondCoroutineFaultsNamingTheFirst()
    {
        using var loop = new EventLoop(new VirtualClock());
        IEnumerator routine = Forever();
        Coroutine first = loop.Spawn(routine, "first");
        loop.Tick();
        Coroutine? second = null;
        var reported = new List<UnobservedFaultEventArgs>();
        loop.UnobservedFault += (_, e) => reported.Add(e);

        RunOnHelperThread(() => second = loop.Spawn(routine, "second"));
        loop.Tick();

        Assert.That(second, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(second!.State, Is.EqualTo(CoroutineState.Faulted), "the foreign caller is gone: the error is the coroutine's fault");
            Assert.That(
                second.Exception,
                Is.TypeOf<InvalidOperationException>().With.Message.Contains("coroutine 'first' (#1)"));
            Assert.That(second.Steps, Is.Zero);
            Assert.That(reported.Select(r => r.Coroutine), Is.EqualTo(new[] { second }), "reported once as unobserved");
            Assert.That(first.State, Is.EqualTo(CoroutineState.Waiting), "the first is undisturbed");
        });
    }

    [Test]
    public void Delegate_ToIteratorRunningAsAnotherCoroutine_FaultsTheDelegator()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        IEnumerator shared = Shared(trace);
        Coroutine owner = loop.Spawn(shared, "owner");
        Coroutine thief = loop.Spawn(Delegator(shared), "thief");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(thief.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                thief.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'thief' (#2)")
                    .And.Message.Contains("coroutine 'owner' (#1)"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(trace.ToString(), Is.EqualTo("shared.start"), "the shared iterator ran once, in its owner");
        });

        owner.Cancel();
        loop.RunUntilIdle();
        Assert.That(trace.ToString(), Is.EqualTo("shared.start shared.finally"));
    }

    [Test]
    public void Delegate_ToIteratorDelegatedByAnotherCoroutine_FaultsTheDelegator()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        IEnumerator shared = Shared(trace);
        Coroutine owner = loop.Spawn(Delegator(shared), "owner");
        loop.Tick();
        Coroutine thief = loop.Spawn(Delegator(shared), "thief");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(thief.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                thief.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'thief' (#2)")
                    .And.Message.Contains("already running"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(trace.ToString(), Is.EqualTo("shared.start"));
        });
    }

    [Test]
    public void Delegate_ToIteratorDelegatedByAnotherCoroutine_SecondAttemptFaultsToo()
    {
        // A first failed attempt must not unregister the iterator from the coroutine that legitimately runs it.
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        IEnumerator shared = Shared(trace);
        Coroutine owner = loop.Spawn(Delegator(shared), "owner");
        loop.Tick();
        Coroutine thief1 = loop.Spawn(Delegator(shared), "thief1");
        loop.RunUntilIdle();
        Coroutine thief2 = loop.Spawn(Delegator(shared), "thief2");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(thief1.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(thief2.State, Is.EqualTo(CoroutineState.Faulted), "the iterator still runs in 'owner'");
            Assert.That(
                thief2.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'thief2' (#3)")
                    .And.Message.Contains("already running"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(trace.ToString(), Is.EqualTo("shared.start"), "the shared iterator ran in one place only");
        });
    }

    [Test]
    public void Delegate_ToItself_FaultsNamingTheCoroutine()
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        IEnumerator? self = null;
        self = SelfDelegating();
        Coroutine coroutine = loop.Spawn(self, "ouroboros");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                coroutine.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'ouroboros' (#1) cannot delegate")
                    .And.Message.Contains("already running"));
            Assert.That(trace.ToString(), Is.EqualTo("start finally"), "its finally runs once");
            Assert.That(coroutine.Steps, Is.EqualTo(1));
        });

        IEnumerator SelfDelegating()
        {
            try
            {
                trace.Add("start");
                yield return self;
                trace.Add("after");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [TestCase(true, TestName = "Delegate_ToRootAncestor_FaultsAndUnwindsEveryFrameOnce")]
    [TestCase(false, TestName = "Delegate_ToDelegatedAncestor_FaultsAndUnwindsEveryFrameOnce")]
    public void Delegate_ToAncestor_FaultsAndUnwindsEveryFrameOnce(bool toRoot)
    {
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        IEnumerator? root = null;
        IEnumerator? middle = null;
        root = Frame("root", () => middle = Frame("middle", () => Frame("leaf", () => toRoot ? root! : middle!)));
        Coroutine coroutine = loop.Spawn(root, "nested");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                coroutine.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'nested' (#1) cannot delegate")
                    .And.Message.Contains("already running"));
            Assert.That(
                trace.ToString(),
                Is.EqualTo("root middle leaf leaf.finally middle.finally root.finally"),
                "the fault unwinds every frame once, innermost first");
        });

        IEnumerator Frame(string name, Func<IEnumerator> child)
        {
            try
            {
                trace.Add(name);
                yield return child();
                trace.Add($"{name}.after");
            }
            finally
            {
                trace.Add($"{name}.finally");
            }
        }
    }

    [Test]
    public void Join_CoroutineOfAnotherLoop_FaultsTheJoiner()
    {
        using var other = new EventLoop(new VirtualClock());
        using var loop = new EventLoop(new VirtualClock());
        Coroutine foreign = other.Spawn(Yielder(1), "foreign");
        Coroutine joiner = loop.Spawn(Join(foreign), "joiner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(
                joiner.Exception,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'joiner' (#1)")
                    .And.Message.Contains("coroutine 'foreign' (#1)")
                    .And.Message.Contains("another event loop"));
            Assert.That(foreign.State, Is.EqualTo(CoroutineState.Ready), "the other loop is untouched");
        });

        static IEnumerator Join(Coroutine target)
        {
            yield return target;
        }
    }

    [Test]
    public void RunUntilComplete_CoroutineOfAnotherLoop_ThrowsArgumentException()
    {
        using var other = new EventLoop(new VirtualClock());
        using var loop = new EventLoop(new VirtualClock());
        Coroutine foreign = other.Spawn(Yielder(1), "foreign");
        Coroutine<int> typed = other.Spawn<int>(Yielder(1), "typed");

        Assert.Multiple(() =>
        {
            Assert.That(
                () => loop.RunUntilComplete(foreign),
                Throws.ArgumentException
                    .With.Property(nameof(ArgumentException.ParamName)).EqualTo("coroutine")
                    .And.Message.Contains("coroutine 'foreign' (#1)")
                    .And.Message.Contains("another event loop"));
            Assert.That(
                () => loop.RunUntilComplete(typed),
                Throws.ArgumentException.With.Message.Contains("another event loop"));
            Assert.That(other.StepCount, Is.Zero);
            Assert.That(loop.TickCount, Is.Zero, "nothing ran");
        });
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void RunUntilIdle_NonPositiveBudget_ThrowsArgumentOutOfRangeException(long maxSteps)
    {
        using var loop = new EventLoop(new VirtualClock());

        Assert.That(
            () => loop.RunUntilIdle(maxSteps),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("maxSteps"));
    }

    [Test]
    public void RunUntilIdle_BudgetRunsOutOnEndlessTask_ThrowsListingLiveCoroutines()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Yielder(3), "short");
        loop.Spawn(Endless(), "spinner");

        Assert.That(
            () => loop.RunUntilIdle(100),
            Throws.InvalidOperationException
                .With.Message.Contains("coroutine 'spinner' (#2)")
                .And.Message.Contains("100"));
        Assert.Multiple(() =>
        {
            Assert.That(loop.StepCount, Is.EqualTo(100), "it stops when the budget is spent");
            Assert.That(loop.LiveCount, Is.EqualTo(1));
        });

        static IEnumerator Endless()
        {
            while (true)
            {
                yield return null;
            }
        }
    }

    [Test]
    public void RunUntilComplete_VirtualClockWithoutAutoAdvanceAndTargetAsleep_ThrowsInsteadOfHanging()
    {
        // Run on a helper thread only so that a regression (a sleep on a clock that never moves) fails, not hangs.
        Exception? outcome = null;
        Coroutine? sleeper = null;
        long steps = -1;
        var thread = new Thread(() =>
        {
            using var loop = new EventLoop(new VirtualClock());
            sleeper = loop.Spawn(Sleeper(), "sleeper");
            try
            {
                loop.RunUntilComplete(sleeper);
            }
            catch (Exception ex)
            {
                outcome = ex;
            }

            steps = loop.StepCount;
        })
        {
            IsBackground = true,
        };

        thread.Start();
        Assert.That(thread.Join(s_safetyNet), Is.True, "RunUntilComplete hung on a virtual clock that does not move");

        Assert.Multiple(() =>
        {
            Assert.That(
                outcome,
                Is.TypeOf<InvalidOperationException>()
                    .With.Message.Contains("coroutine 'sleeper' (#1)")
                    .And.Message.Contains("AutoAdvance"));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(sleeper!.State, Is.EqualTo(CoroutineState.Canceled), "disposing the loop canceled it");
        });

        static IEnumerator Sleeper()
        {
            yield return Wait.For(TimeSpan.FromSeconds(1));
        }
    }

    private static IEnumerator Shared(Trace trace)
    {
        try
        {
            trace.Add("shared.start");
            yield return Wait.Forever;
            trace.Add("shared.resumed");
        }
        finally
        {
            trace.Add("shared.finally");
        }
    }

    private static IEnumerator YieldsAnInt()
    {
        yield return 42;
    }

    private static IEnumerator Forever()
    {
        yield return Wait.Forever;
    }

    private static IEnumerator Delegator(IEnumerator child)
    {
        yield return child;
    }

    private static IEnumerator Yielder(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static void RunOnHelperThread(Action action)
    {
        Exception? fault = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                fault = ex;
            }
        })
        {
            IsBackground = true,
        };
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
}
