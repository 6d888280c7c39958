using Scheduler.Tests.Support;
using static Scheduler.Tests.Structured.TaskGroupTests;

namespace Scheduler.Tests.Structured;

/// <summary>
/// Task group faults: a child's failure cancels its siblings in the next round, the group gathers every fault in
/// the order they happened, and each fault is reported exactly once, by whoever ends up holding it.
/// </summary>
public class TaskGroupFaultTests
{
    [Test]
    public void ChildFaults_SiblingsCanceledNextRoundInnermostFirst_OwnerFaultsWithEveryFault()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<(Coroutine? Coroutine, Exception Exception)>();
        loop.UnobservedFault += (_, e) => reported.Add((e.Coroutine, e.Exception));
        TaskGroup? group = null;
        Coroutine? bad = null;
        Coroutine? sibling = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        // Round 3: 'bad' throws. Round 4: the sibling's disposal, innermost frame first; it is the last child, so
        // the group ends faulted. Round 5: the owner's disposal turn (its join inherited the group's fault).
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("sibling@2 bad-throws@3 sibling-inner-finally@4 sibling-outer-finally@4 owner-finally@5"));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Faulted));
            Assert.That(group.Exception, Is.Not.Null);
            Assert.That(group.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { boom }));
            Assert.That(group.Exception.InnerExceptions[0], Is.SameAs(boom));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(owner.Exception, Is.SameAs(group.Exception));
            Assert.That(bad!.Exception, Is.SameAs(boom));
            Assert.That(sibling!.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(sibling.Steps, Is.EqualTo(2));
            Assert.That(reported, Has.Count.EqualTo(1), "the child's fault was observed by the group; only the owner's is unobserved");
            Assert.That(reported[0].Coroutine, Is.SameAs(owner));
            Assert.That(reported[0].Exception, Is.SameAs(group.Exception));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            try
            {
                bad = group.Spawn(Throws(trace, loop, "bad", boom), "bad");
                sibling = group.Spawn(Nested(), "sibling");
                yield return group.WaitAll();
                trace.Add("owner-resumed");
            }
            finally
            {
                trace.Add($"owner-finally@{loop.TickCount}");
            }
        }

        IEnumerator Nested()
        {
            try
            {
                yield return Inner();
            }
            finally
            {
                trace.Add($"sibling-outer-finally@{loop.TickCount}");
            }
        }

        IEnumerator Inner()
        {
            try
            {
                trace.Add($"sibling@{loop.TickCount}");
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add($"sibling-inner-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void TwoChildrenFaultInTheSameRound_BothGatheredInTheOrderTheyHappened()
    {
        var trace = new Trace();
        var first = new InvalidOperationException("first");
        var second = new ArgumentException("second");
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        // The siblings are canceled at the start of round 4, not during round 3, so 'c2' still runs its step in
        // round 3 and its fault is gathered after 'c1''s.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("p@2 c1-throws@3 c2-throws@3 p-finally@4 owner@5"));
            Assert.That(group!.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { first, second }));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Throws(trace, loop, "c1", first), "c1");
            group.Spawn(Throws(trace, loop, "c2", second), "c2");
            group.Spawn(Parked(trace, loop, "p"), "p");
            yield return group.WaitSettled();
            trace.Add($"owner@{loop.TickCount}");
        }
    }

    [Test]
    public void SiblingFinallyThrowsWhileCanceled_GatheredAfterTheFault()
    {
        var boom = new InvalidOperationException("boom");
        var cleanup = new IOException("cleanup failed");
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(group!.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { boom, cleanup }));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Throws(new Trace(), loop, "bad", boom), "bad");
            group.Spawn(ThrowsInFinally(cleanup), "sloppy");
            yield return group.WaitSettled();
        }
    }

    [Test]
    public void WaitSettled_ChildFaults_OwnerResumesAndReadsTheFaultNothingReported()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("bad-throws@3 resumed@4:Faulted:boom"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(reported, Is.Empty);
        });

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop, "g");
            group.Spawn(Throws(trace, loop, "bad", boom), "bad");
            yield return group.WaitSettled();
            trace.Add($"resumed@{loop.TickCount}:{group.State}:{group.Exception!.InnerExceptions[0].Message}");
        }
    }

    [Test]
    public void WaitInsideAComposite_GroupFaults_WaitAllPassesTheFaultOnAndWaitSettledDoesNot()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        TaskGroup? group = null;
        Coroutine? joiner = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("bad-throws@3 settled@4:timedOut=False:Faulted"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(joiner!.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(joiner.Exception, Is.SameAs(group!.Exception));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero), "both time limits were removed");
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Throws(trace, loop, "bad", boom), "bad");
            joiner = loop.Spawn(Joiner(), "joiner");
            TimeoutWait settled = group.WaitSettled().WithTimeout(TimeSpan.FromSeconds(5));
            yield return settled;
            trace.Add($"settled@{loop.TickCount}:timedOut={settled.TimedOut}:{group.State}");
        }

        IEnumerator Joiner()
        {
            yield return group!.WaitAll().WithTimeout(TimeSpan.FromSeconds(5));
            trace.Add("joiner-resumed");
        }
    }

    [Test]
    public void ChildFaultsWhileTheOwnerIsBusy_OwnerWaitsLater_FaultsWithTheGroupsFaultReportedOnceAsItsOwn()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<(Coroutine? Coroutine, Exception Exception)>();
        loop.UnobservedFault += (_, e) => reported.Add((e.Coroutine, e.Exception));
        TaskGroup? group = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        // The group ends faulted in round 3 with nobody waiting; the owner waits in round 4, which observes it.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("bad-throws@3 wait@4:Faulted owner-finally@5"));
            Assert.That(owner.Exception, Is.SameAs(group!.Exception));
            Assert.That(reported, Has.Count.EqualTo(1));
            Assert.That(reported[0].Coroutine, Is.SameAs(owner));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            try
            {
                group.Spawn(Throws(trace, loop, "bad", boom), "bad");
                yield return Wait.Ticks(3);
                trace.Add($"wait@{loop.TickCount}:{group.State}");
                yield return group.WaitAll();
            }
            finally
            {
                trace.Add($"owner-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void GroupFaultNobodyWaitsFor_ReportedOnceWhenTheOwnerEnds()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<(Coroutine? Coroutine, Exception Exception)>();
        TaskGroup? group = null;
        loop.UnobservedFault += (_, e) =>
        {
            trace.Add($"reported@{loop.TickCount}");
            reported.Add((e.Coroutine, e.Exception));
        };
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            // Reported in the round the owner ends, by the loop's own report path: the fault belongs to the
            // group, not to one coroutine, so the event carries no coroutine (the log names the group).
            Assert.That(trace.ToString(), Is.EqualTo("bad-throws@3 owner-ends@4 reported@4"));
            Assert.That(owner.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(reported, Has.Count.EqualTo(1));
            Assert.That(reported[0].Exception, Is.SameAs(group!.Exception));
            Assert.That(reported[0].Coroutine, Is.Null);
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Throws(trace, loop, "bad", boom), "bad");
            yield return Wait.Ticks(3);
            trace.Add($"owner-ends@{loop.TickCount}");
        }
    }

    [Test]
    public void ChildFinallyThrowsAfterTheOwnerEnded_GroupFaultReportedOnce()
    {
        var cleanup = new IOException("cleanup failed");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Faulted));
            Assert.That(group.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { cleanup }));
            Assert.That(reported, Is.EqualTo(new Exception[] { group.Exception }), "nothing lost, nothing twice");
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(ThrowsInFinally(cleanup), "sloppy");
            yield return null;
        }
    }

    [Test]
    public void OwnerFaultsWhileChildrenRun_ChildrenCanceledAndTheOwnersFaultReportedOnce()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("owner failed");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) =>
        {
            trace.Add($"reported@{loop.TickCount}");
            reported.Add(e.Exception);
        };
        TaskGroup? group = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            // The owner's fault is reported as it ends (the group's watch observes nothing); its children's
            // disposal turns follow in the next round.
            Assert.That(trace.ToString(), Is.EqualTo("a@2 owner-throws@2 reported@2 a-finally@3"));
            Assert.That(owner.Exception, Is.SameAs(boom));
            Assert.That(group!.State, Is.EqualTo(TaskGroupState.Canceled));
            Assert.That(reported, Is.EqualTo(new Exception[] { boom }));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Parked(trace, loop, "a"), "a");
            yield return null;
            trace.Add($"owner-throws@{loop.TickCount}");
            throw boom;
        }
    }

    [Test]
    public void OwnerFaultsWithAJoiner_TheJoinerObservesItNothingReported()
    {
        var boom = new InvalidOperationException("owner failed");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);
        Coroutine? owner = null;
        Coroutine parent = loop.Spawn(Parent(), "parent");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(parent.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(owner!.Exception, Is.SameAs(boom));
            Assert.That(reported, Is.Empty);
        });

        IEnumerator Parent()
        {
            owner = loop.Spawn(Owner(), "owner");
            yield return Wait.Settled(owner); // joins before the owner creates its group
        }

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop, "g");
            group.Spawn(Parked(new Trace(), loop, "a"), "a");
            yield return null;
            throw boom;
        }
    }

    [Test]
    public void OwnerFaultsUnderRunUntilComplete_RethrownAndNotReported()
    {
        var boom = new InvalidOperationException("owner failed");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Exception>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Exception);

        InvalidOperationException? thrown = Assert.Throws<InvalidOperationException>(() => loop.RunUntilComplete(Owner(), "owner"));
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(thrown, Is.SameAs(boom));
            Assert.That(reported, Is.Empty);
            Assert.That(loop.LiveCount, Is.Zero, "the child was canceled");
        });

        IEnumerator Owner()
        {
            var group = new TaskGroup(loop, "g");
            group.Spawn(Parked(new Trace(), loop, "a"), "a");
            yield return null;
            throw boom;
        }
    }

    [Test]
    public void SpawnWhileClosing_ChildStartsCanceledAndAddsNoFault()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        Coroutine? late = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("bad-throws@2 spawner@2:Closing spawner-finally@3 owner-finally@4"));
            Assert.That(late!.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(late.Steps, Is.EqualTo(1), "only its disposal turn");
            Assert.That(group!.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { boom }));
            Assert.That(owner.Exception, Is.SameAs(group.Exception));
        });

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            try
            {
                group.Spawn(ThrowsAtOnce(trace, loop, boom), "bad");
                group.Spawn(Spawner(), "spawner");
                yield return group.WaitAll();
            }
            finally
            {
                trace.Add($"owner-finally@{loop.TickCount}");
            }
        }

        IEnumerator Spawner()
        {
            trace.Add($"spawner@{loop.TickCount}:{group!.State}");
            late = group.Spawn(LateBody(), "late");
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add($"spawner-finally@{loop.TickCount}");
            }
        }

        IEnumerator LateBody()
        {
            trace.Add("late-body");
            yield break;
        }
    }

    [Test]
    public void WaitAll_FromAChildOfTheGroup_FaultsThatChildWithAClearError()
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? group = null;
        loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.That(group!.Exception!.InnerExceptions, Has.Count.EqualTo(1));
        Assert.That(group.Exception.InnerExceptions[0], Is.TypeOf<InvalidOperationException>()
            .With.Message.Contain("coroutine 'selfish'").And.Message.Contain("is a child of that group"));

        IEnumerator Owner()
        {
            group = new TaskGroup(loop, "g");
            group.Spawn(Selfish(), "selfish");
            yield return group.WaitSettled();
        }

        IEnumerator Selfish()
        {
            yield return group!.WaitAll();
        }
    }

    [Test]
    public void NestedGroups_GrandchildFaults_FaultTravelsUpOneGroupAtATime()
    {
        var trace = new Trace();
        var boom = new InvalidOperationException("boom");
        using var loop = new EventLoop(new VirtualClock());
        var reported = new List<Coroutine?>();
        loop.UnobservedFault += (_, e) => reported.Add(e.Coroutine);
        TaskGroup? outer = null;
        TaskGroup? inner = null;
        Coroutine owner = loop.Spawn(Owner(), "owner");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "side@2 leaf@3 bad-throws@4 leaf-finally@5 middle-finally@6 side-finally@7 owner-finally@8"));
            Assert.That(inner!.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { boom }));
            Assert.That(outer!.Exception!.InnerExceptions, Is.EqualTo(new Exception[] { inner.Exception }));
            Assert.That(owner.Exception, Is.SameAs(outer.Exception));
            Assert.That(reported, Is.EqualTo(new[] { owner }));
        });

        IEnumerator Owner()
        {
            outer = new TaskGroup(loop, "outer");
            try
            {
                outer.Spawn(Middle(), "middle");
                outer.Spawn(Parked(trace, loop, "side"), "side");
                yield return outer.WaitAll();
            }
            finally
            {
                trace.Add($"owner-finally@{loop.TickCount}");
            }
        }

        IEnumerator Middle()
        {
            inner = new TaskGroup(loop, "inner");
            try
            {
                inner.Spawn(Throws(trace, loop, "bad", boom), "bad");
                inner.Spawn(Parked(trace, loop, "leaf"), "leaf");
                yield return inner.WaitAll();
            }
            finally
            {
                trace.Add($"middle-finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void NestedGroups_OwnerCanceled_CancelCascadesAndGrandchildrenEndBeforeTheOwnersJoinerResumes()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        TaskGroup? outer = null;
        TaskGroup? inner = null;
        Coroutine? owner = null;
        loop.Spawn(Parent(), "parent");
        loop.Tick();
        loop.Tick();
        loop.Tick();
        loop.Tick(); // round 4: the leaves park

        owner!.Cancel();
        loop.RunUntilIdle();

        // Round 5: the owner's disposal cancels 'middle'; round 6: its disposal cancels the leaves (the inner
        // group's watch is first among its joiners); round 7: the leaves' disposals. The parent joined the
        // owner: it resumed in round 6, in the same round as the middle's disposal.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "leaf1@4 leaf2@4 owner-finally@5 middle-finally@6 parent@6:Canceled leaf1-finally@7 leaf2-finally@7"));
            Assert.That(outer!.State, Is.EqualTo(TaskGroupState.Canceled));
            Assert.That(inner!.State, Is.EqualTo(TaskGroupState.Canceled));
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Parent()
        {
            owner = loop.Spawn(Owner(), "owner");
            yield return Wait.Settled(owner);
            trace.Add($"parent@{loop.TickCount}:{owner.State}");
        }

        IEnumerator Owner()
        {
            outer = new TaskGroup(loop, "outer");
            try
            {
                outer.Spawn(Middle(), "middle");
                yield return outer.WaitAll();
            }
            finally
            {
                trace.Add($"owner-finally@{loop.TickCount}");
            }
        }

        IEnumerator Middle()
        {
            inner = new TaskGroup(loop, "inner");
            try
            {
                inner.Spawn(Parked(trace, loop, "leaf1"), "leaf1");
                inner.Spawn(Parked(trace, loop, "leaf2"), "leaf2");
                yield return inner.WaitAll();
            }
            finally
            {
                trace.Add($"middle-finally@{loop.TickCount}");
            }
        }
    }

    private static IEnumerator Throws(Trace trace, EventLoop loop, string name, Exception exception)
    {
        yield return null;
        trace.Add($"{name}-throws@{loop.TickCount}");
        throw exception;
    }

    private static IEnumerator ThrowsAtOnce(Trace trace, EventLoop loop, Exception exception)
    {
        trace.Add($"bad-throws@{loop.TickCount}");
        throw exception;
#pragma warning disable CS0162 // an iterator needs a yield; this one is never reached
        yield break;
#pragma warning restore CS0162
    }

    private static IEnumerator ThrowsInFinally(Exception exception)
    {
        try
        {
            yield return Wait.Forever;
        }
        finally
        {
#pragma warning disable CA2219 // the point: a child whose cleanup throws while it is canceled
            throw exception;
#pragma warning restore CA2219
        }
    }
}
