using Scheduler.Tests.Support;

namespace Scheduler.Tests.Structured;

/// <summary>
/// Task groups: children that end with their scope. The owner waits for all of them, cancels them, or ends and
/// takes them down; a closed group refuses new children with a clear error.
/// </summary>
public class TaskGroupTests
{
    [Test]
    public void WaitAll_AllChildrenComplete_OwnerResumesTheRoundAfterTheLastEnds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        long steps = loop.RunUntilIdle();

        // a yields once (ends in round 3), b three times (ends in round 5): the owner resumes in round 6.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("owner@1 a@2 b@2 a-end@3 b@3 b@4 b-end@5 owner@6:Completed"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(owner.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(8));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Completed));
            Assert.That(group.IsEnded, Is.True);
            Assert.That(group.LiveCount, Is.Zero);
            Assert.That(group.Exception, Is.Null);
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Child(trace, loop, "a", 1), "a");
            group.Spawn(Child(trace, loop, "b", 3), "b");
            trace.Add($"owner@{loop.TickCount}");
            yield return group.WaitAll();
            trace.Add($"owner@{loop.TickCount}:{group.State}");
        }
    }

    [Test]
    public void WaitAll_NoChildren_CompletesNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 resumed@2:Completed again@3"));
            Assert.That(owner.Steps, Is.EqualTo(3));
        });

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop);
            trace.Add($"wait@{loop.TickCount}");
            yield return group.WaitAll();
            trace.Add($"resumed@{loop.TickCount}:{group.State}");
            yield return group.WaitAll(); // an ended group still ends the step: next round
            trace.Add($"again@{loop.TickCount}");
        }
    }

    [Test]
    public void WaitAll_ChildSpawnsASibling_TheWaitCoversTheNewChildToo()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("parent@2 late@3 late-end@4 owner@5:Completed"));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Parent(), "parent");
            yield return group.WaitAll();
            trace.Add($"owner@{loop.TickCount}:{group.State}");
        }

        IEnumerator Parent()
        {
            trace.Add($"parent@{loop.TickCount}");
            group!.Spawn(Child(trace, loop, "late", 1), "late");
            yield break;
        }
    }

    [Test]
    public void WaitAll_TwoWaiters_ResumeInTheOrderTheyBegan()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("a@2 a-end@3 watcher@4 owner@4"));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Child(trace, loop, "a", 1), "a");
            loop.Spawn(Watcher(), "watcher"); // not a child: any coroutine of the loop may wait
            yield return null;
            yield return group.WaitAll();
            trace.Add($"owner@{loop.TickCount}");
        }

        IEnumerator Watcher()
        {
            yield return group!.WaitAll();
            trace.Add($"watcher@{loop.TickCount}");
        }
    }

    [Test]
    public void OwnerCanceledWhileWaiting_ChildrenCanceledTheRoundAfterTheOwnersDisposal()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        TaskGroup? group = null;
        Coroutine? a = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");
        loop.Tick();
        loop.Tick(); // round 2: the children park

        Assert.That(owner.Cancel(), Is.True);
        loop.RunUntilIdle();

        // Round 3: the owner's disposal turn; its end cancels the children, whose disposal turns come in round 4.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@2 b@2 owner-finally@3 a-finally@4 b-finally@4"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(a!.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(a.Steps, Is.EqualTo(2));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Canceled));
            Assert.That(reported, Is.Empty);
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            try
            {
                a = group.Spawn(Parked(trace, loop, "a"), "a");
                group.Spawn(Parked(trace, loop, "b"), "b");
                yield return group.WaitAll();
                trace.Add("owner-resumed");
            }
            finally
            {
                trace.Add($"owner-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void OwnerEndsWithoutWaiting_ChildrenCanceledNoChildOutlivesTheScope()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("owner@1 a@2 b@2 owner-ends@2 a-finally@3 b-finally@3"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Canceled));
            Assert.That(group.LiveCount, Is.Zero);
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Parked(trace, loop, "a"), "a");
            group.Spawn(Parked(trace, loop, "b"), "b");
            trace.Add($"owner@{loop.TickCount}");
            yield return null;
            trace.Add($"owner-ends@{loop.TickCount}");
        }
    }

    [Test]
    public void OwnerEndsWithNoChildRunning_GroupCompletesAndClosesAtOnce()
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(group!.State, Is.EqualTo(TaskGroupState.Completed));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Child(new Trace(), loop, "a", 0), "a");
            yield return Wait.Ticks(3);
        }
    }

    [Test]
    public void Cancel_FromTheOwner_ChildrenCanceledAndWaitAllResumesNormally()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@2 b@2 cancel=True again=False a-finally@3 b-finally@3 resumed@4:Canceled"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed), "canceling a group does not cancel its owner");
            Assert.That(group!.Cancel(), Is.False);
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Parked(trace, loop, "a"), "a");
            group.Spawn(Parked(trace, loop, "b"), "b");
            yield return null;
            trace.Add($"cancel={group.Cancel()} again={group.Cancel()}");
            yield return group.WaitAll();
            trace.Add($"resumed@{loop.TickCount}:{group.State}");
        }
    }

    [Test]
    public void Cancel_FromAnotherThread_AppliedAtTheStartOfTheNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");
        loop.Tick();
        loop.Tick();

        bool canceled = Task.Run(() => group!.Cancel()).GetAwaiter().GetResult();
        Assert.That(group!.State, Is.EqualTo(TaskGroupState.Open), "nothing happens off the loop thread");
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(canceled, Is.True);
            Assert.That(trace.ToString(), Is.EqualTo("a@2 a-finally@3 owner@4:Canceled"));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Parked(trace, loop, "a"), "a");
            yield return group.WaitAll();
            trace.Add($"owner@{loop.TickCount}:{group.State}");
        }
    }

    [Test]
    public void Child_CanceledOnItsOwn_GroupStillCompletes()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        Coroutine? a = null;
        loop.Spawn(Owner(), "owner");
        loop.Tick();
        loop.Tick();

        a!.Cancel(); // a is queued behind b, which yielded in round 2
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@2 b@2 b-end@3 a-finally@3 owner@4:Completed"));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Completed));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            a = group.Spawn(Parked(trace, loop, "a"), "a");
            group.Spawn(Child(trace, loop, "b", 1), "b");
            yield return group.WaitAll();
            trace.Add($"owner@{loop.TickCount}:{group.State}");
        }
    }

    [Test]
    public void WaitAll_WithTimeout_TimesOutThenCancelAndWaitAgain()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("slow@2 timedOut=True at 00:00:01 slow-finally at 00:00:01 owner:Canceled pending=0"));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(1)), "the slow child's 5 s timer went with it");
        });

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop, "g");
            group.Spawn(Slow(), "slow");
            TimeoutWait all = group.WaitAll().WithTimeout(TimeSpan.FromSeconds(1));
            yield return all;
            trace.Add($"timedOut={all.TimedOut} at {clock.Elapsed}");
            group.Cancel();
            yield return group.WaitAll();
            trace.Add($"owner:{group.State} pending={loop.PendingTimerCount}");
        }

        IEnumerator Slow()
        {
            try
            {
                trace.Add($"slow@{loop.TickCount}");
                yield return Wait.For(TimeSpan.FromSeconds(5));
            }
            finally
            {
                trace.Add($"slow-finally at {clock.Elapsed}");
            }
        }
    }

    [Test]
    public void Spawn_IntoAnEndedGroup_ThrowsNamingTheGroupTheRoutineAndWhy()
    {
        using var loop = new EventLoop(new VirtualClock());
        InvalidOperationException? error = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Message, Does.Contain("Cannot spawn Late into task group 'g' of coroutine 'owner' (#1)")
            .And.Contain("closed").And.Contain("completed").And.Contain("new TaskGroup"));

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop, "g");
            yield return group.WaitAll();
            error = Assert.Throws<InvalidOperationException>(() => group.Spawn(Late()));
        }
    }

    [Test]
    public void Spawn_AfterTheOwnerEnded_ThrowsSayingSo()
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");
        loop.RunUntilIdle();

        InvalidOperationException? error = Assert.Throws<InvalidOperationException>(() => group!.Spawn(Late()));

        Assert.That(error!.Message, Does.Contain("closed").And.Contain("canceled"));
        Assert.That(group!.State, Is.EqualTo(TaskGroupState.Canceled));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Parked(new Trace(), loop, "a"), "a");
            yield return null;
        }
    }

    [Test]
    public void Spawn_WhileTheOwnerIsEndingWithChildrenLeft_ThrowsNamingTheOwner()
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        InvalidOperationException? error = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(error!.Message, Does.Contain("its owner has ended (Completed)"));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Stubborn(), "stubborn");
            yield return null;
        }

        // Spawns from its finally block, while the group is closing because its owner ended.
        IEnumerator Stubborn()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                error = Assert.Throws<InvalidOperationException>(() => group!.Spawn(Late()));
            }
        }
    }

    [Test]
    public void Spawn_FromAnotherThread_Throws()
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");
        loop.Tick();

        Exception? error = Task.Run(() => Assert.Catch(() => group!.Spawn(Late()))).GetAwaiter().GetResult();

        Assert.That(error, Is.TypeOf<InvalidOperationException>().With.Message.Contain("thread"));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            yield return Wait.Forever;
        }
    }

    [Test]
    public void Constructor_OutsideAStep_ThrowsSayingAGroupNeedsAnOwner()
    {
        using var loop = new EventLoop(new VirtualClock());

        InvalidOperationException? error = Assert.Throws<InvalidOperationException>(() => _ = new TaskGroup(loop));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("inside a coroutine's step"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new TaskGroup(null!))!.ParamName, Is.EqualTo("loop"));
        });
    }

    [Test]
    public void Spawn_NullRoutine_ThrowsArgumentNull()
    {
        using var loop = new EventLoop(new VirtualClock());
        ArgumentNullException? error = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(error!.ParamName, Is.EqualTo("routine"));

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop);
            error = Assert.Throws<ArgumentNullException>(() => group.Spawn(null!));
            yield break;
        }
    }

    [Test]
    public void Properties_DescribeTheGroupAndItsOwner()
    {
        using var loop = new EventLoop(new VirtualClock());
        var seen = new Trace();
        Coroutine? owner = null;
        owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(seen.ToString(), Is.EqualTo("task group 'g' of coroutine 'owner' (#1)|owner=True|Open|live=2 typed=7"));

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop, "g");
            group.Spawn(Parked(new Trace(), loop, "a"), "a");
            Coroutine<int> typed = group.Spawn<int>(Seven(), "seven");
            seen.Add($"{group}|owner={ReferenceEquals(group.Owner, owner) && ReferenceEquals(group.Loop, loop)}|{group.State}|live={group.LiveCount}");
            yield return null;
            yield return null;
            seen.Add($"typed={typed.Result}");
            group.Cancel();
        }
    }

    [Test]
    public void Dispose_LoopWithAnOpenGroup_EveryFinallyRunsOnce()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");
        loop.Tick();
        loop.Tick();

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a@2 b@2 owner-finally a-finally@2 b-finally@2"));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Canceled));
            Assert.That(reported, Is.Empty);
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            try
            {
                group.Spawn(Parked(trace, loop, "a"), "a");
                group.Spawn(Parked(trace, loop, "b"), "b");
                yield return group.WaitAll();
            }
            finally
            {
                trace.Add("owner-finally");
            }
        }
    }

    internal static IEnumerator Child(Trace trace, EventLoop loop, string name, int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            trace.Add($"{name}@{loop.TickCount}");
            yield return null;
        }

        if (yields > 0)
        {
            trace.Add($"{name}-end@{loop.TickCount}");
        }
    }

    internal static IEnumerator Parked(Trace trace, EventLoop loop, string name)
    {
        try
        {
            trace.Add($"{name}@{loop.TickCount}");
            yield return Wait.Forever;
            trace.Add($"{name}-resumed");
        }
        finally
        {
            trace.Add($"{name}-finally@{loop.TickCount}");
        }
    }

    private static IEnumerator Late()
    {
        yield break;
    }

    private static IEnumerator Seven()
    {
        yield return Routine.Return(7);
    }
}
