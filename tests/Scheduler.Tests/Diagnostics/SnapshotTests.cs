using Scheduler.Tests.Support;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// The task snapshot and its text dump: every live coroutine with what it waits on, its stack of routines as
/// method names, its age on the loop clock, the task-group tree, the channels that hold items, and statistics.
/// </summary>
public class SnapshotTests
{
    private static readonly long[] s_spawnOrder = [1, 2, 3, 4, 5, 6, 7];
    private static readonly string[] s_workerStack = ["Work", "Poll"];
    private static readonly string[] s_workers = ["worker-1", "worker-2"];

    [Test]
    public void Dump_SmallSystemOnAVirtualClock_IsExactlyThisText()
    {
        using var system = DemoSystem.Start();

        string dump = system.Loop.Dump();

        Assert.That(dump, Is.EqualTo(Lines(
            "event loop 'demo' at 00:00:01.500: 7 live (0 ready, 0 running, 5 waiting, 2 sleeping), 10 steps, 4 rounds, 0 faults",
            "coroutine 'supervisor' (#1): waiting for task group 'workers' (2 live children); 1 step, age 00:00:01.500; in Supervise",
            "  task group 'workers':",
            "    coroutine 'worker-1' (#6): sleeping until 00:00:05.250; 2 steps, age 00:00:01.250; in Work > Poll",
            "    coroutine 'worker-2' (#7): waiting for signal 'ready'; 1 step, age 00:00:01.250; in AwaitSignal",
            "coroutine 'writer' (#2): writing channel 'orders' (full, 2/2); 3 steps, age 00:00:01.500; in Fill",
            "coroutine 'reader' (#3): reading channel 'events'; 1 step, age 00:00:01.500; in Drain",
            "coroutine #4 (Sleep): sleeping until 00:00:10.250; 1 step, age 00:00:01.250; in Sleep",
            "coroutine 'joiner' (#5): joining coroutine 'supervisor' (#1); 1 step, age 00:00:01.250; in Join",
            "channels with items:",
            "  channel 'orders': 2 buffered, capacity 2, 1 writer waiting")));
    }

    [Test]
    public void Snapshot_SmallSystem_EachTaskCarriesItsFieldsAndTheTreeIsNavigable()
    {
        using var system = DemoSystem.Start();

        LoopSnapshot snapshot = system.Loop.Snapshot();

        TaskSnapshot worker = snapshot.Tasks.Single(t => t.Name == "worker-1");
        TaskSnapshot supervisor = snapshot.Tasks.Single(t => t.Name == "supervisor");
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.LoopName, Is.EqualTo("demo"));
            Assert.That(snapshot.Time, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(snapshot.Tasks.Select(t => t.Id), Is.EqualTo(s_spawnOrder));
            Assert.That(worker.Id, Is.EqualTo(6));
            Assert.That(worker.Description, Is.EqualTo("coroutine 'worker-1' (#6)"));
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(worker.Steps, Is.EqualTo(2));
            Assert.That(worker.Age, Is.EqualTo(TimeSpan.FromMilliseconds(1250)));
            Assert.That(worker.WaitingOn, Is.EqualTo("sleeping until 00:00:05.250"));
            Assert.That(worker.Stack, Is.EqualTo(s_workerStack), "method names, outermost first, not <Work>d__N");
            Assert.That(worker.ParentId, Is.EqualTo(1));
            Assert.That(worker.GroupName, Is.EqualTo("workers"));
            Assert.That(supervisor.ParentId, Is.Null);
            Assert.That(snapshot.GetChildren(supervisor).Select(t => t.Name), Is.EqualTo(s_workers));
            Assert.That(snapshot.GetChildren(worker), Is.Empty);
            Assert.That(worker.ToString(), Is.EqualTo("coroutine 'worker-1' (#6): sleeping until 00:00:05.250; 2 steps, age 00:00:01.250; in Work > Poll"));
        });
    }

    [Test]
    public void Snapshot_IsImmutable_LaterRoundsDoNotChangeIt()
    {
        using var system = DemoSystem.Start();
        LoopSnapshot before = system.Loop.Snapshot();
        string dump = before.ToString();

        system.Ready.Set();
        system.Loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(before.ToString(), Is.EqualTo(dump));
            Assert.That(before.Tasks.Single(t => t.Name == "worker-2").WaitingOn, Is.EqualTo("waiting for signal 'ready'"));
            Assert.That(system.Loop.Snapshot().Tasks.Select(t => t.Name), Has.No.Member("worker-2"), "it ran and ended");
        });
    }

    [Test]
    public void GetStatistics_SmallSystem_CountsEachLiveCoroutineOnceAndMatchesTheSnapshot()
    {
        using var system = DemoSystem.Start();

        LoopStatistics statistics = system.Loop.GetStatistics();

        Assert.Multiple(() =>
        {
            Assert.That(statistics, Is.EqualTo(new LoopStatistics
            {
                Live = 7,
                Ready = 0,
                Running = 0,
                Waiting = 5,
                Sleeping = 2,
                Steps = 10,
                Rounds = 4,
                Faults = 0,
            }));
            Assert.That(system.Loop.Snapshot().Statistics, Is.EqualTo(statistics));
            Assert.That(statistics.ToString(), Is.EqualTo("7 live (0 ready, 0 running, 5 waiting, 2 sleeping), 10 steps, 4 rounds, 0 faults"));
        });
    }

    [Test]
    public void GetStatistics_FromInsideAStep_CountsTheRunningCoroutineAndReadyOnesAndFaults()
    {
        using var loop = new EventLoop(new VirtualClock());
        LoopStatistics? seen = null;
        loop.Spawn(Throws());
        loop.RunUntilIdle();
        loop.Spawn(Yields(), "queued-before");
        loop.Spawn(Observe(), "observer");
        loop.Spawn(Yields(), "queued-after");

        loop.Tick();

        Assert.That(seen, Is.EqualTo(new LoopStatistics
        {
            Live = 3,
            Ready = 2,
            Running = 1,
            Waiting = 0,
            Sleeping = 0,
            Steps = 3,
            Rounds = 3,
            Faults = 1,
        }), "queued-before has stepped and is queued again; queued-after is still queued; RunUntilIdle ended on an empty round 2");

        IEnumerator Observe()
        {
            seen = loop.GetStatistics();
            yield break;
        }

        static IEnumerator Throws()
        {
            throw new InvalidOperationException("expected");
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        static IEnumerator Yields()
        {
            yield return null;
        }
    }

    [Test]
    public void Dump_TaskGroupsNested_EachLevelIsIndentedUnderItsOwner()
    {
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "tree" });
        loop.Spawn(Outer(loop), "root");

        loop.Tick();
        loop.Tick();
        loop.Tick();

        Assert.That(loop.Dump(), Is.EqualTo(Lines(
            "event loop 'tree' at 00:00:00: 5 live (0 ready, 0 running, 4 waiting, 1 sleeping), 5 steps, 3 rounds, 0 faults",
            "coroutine 'root' (#1): waiting for task group 'outer' (2 live children); 1 step, age 00:00:00; in Outer",
            "  task group 'outer':",
            "    coroutine 'middle' (#2): waiting for a task group (1 live child); 1 step, age 00:00:00; in Middle",
            "      task group:",
            "        coroutine 'leaf' (#4): sleeping until 00:01:00; 1 step, age 00:00:00; in Leaf",
            "    coroutine 'sibling' (#3): waiting for task group 'second' (1 live child); 1 step, age 00:00:00; in Sibling",
            "      task group 'second':",
            "        coroutine #5 (Forever): sleeping forever (until canceled); 1 step, age 00:00:00; in Forever")));

        static IEnumerator Outer(EventLoop loop)
        {
            var group = new TaskGroup(loop, "outer");
            group.Spawn(Middle(loop), "middle");
            group.Spawn(Sibling(loop), "sibling");
            yield return group.WaitAll();
        }

        static IEnumerator Middle(EventLoop loop)
        {
            var group = new TaskGroup(loop);
            group.Spawn(Leaf(), "leaf");
            yield return group.WaitAll();
        }

        static IEnumerator Sibling(EventLoop loop)
        {
            var group = new TaskGroup(loop, "second");
            group.Spawn(Forever());
            yield return group.WaitAll();
        }

        static IEnumerator Leaf()
        {
            yield return Wait.For(TimeSpan.FromMinutes(1));
        }

        static IEnumerator Forever()
        {
            yield return Wait.Forever;
        }
    }

    [Test]
    public void Dump_OwnerEndedAndChildrenNotYetDisposed_TheGroupStandsAloneNamingItsOwner()
    {
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "orphans" });
        Coroutine owner = loop.Spawn(Owner(loop), "owner");
        loop.Tick();
        loop.Tick();

        owner.Cancel();
        loop.Tick(); // the owner's disposal turn: it ends, and its group cancels the children (disposed next round)

        Assert.That(loop.Dump(), Is.EqualTo(Lines(
            "event loop 'orphans' at 00:00:00: 2 live (2 ready, 0 running, 0 waiting, 0 sleeping), 4 steps, 3 rounds, 0 faults",
            "task group 'crew' of coroutine 'owner' (#1), whose owner has ended:",
            "  coroutine 'a' (#2): ready to end canceled; 1 step, age 00:00:00; in Idle",
            "  coroutine 'b' (#3): ready to end canceled; 1 step, age 00:00:00; in Idle")));

        static IEnumerator Owner(EventLoop loop)
        {
            var group = new TaskGroup(loop, "crew");
            group.Spawn(Idle(), "a");
            group.Spawn(Idle(), "b");
            yield return group.WaitAll();
        }

        static IEnumerator Idle()
        {
            yield return Wait.Forever;
        }
    }

    [Test]
    public void Dump_DeepDelegation_ShowsTheOuterAndInnerEndsOfTheStack()
    {
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "deep" });
        loop.Spawn(Nest(20), "deep");
        loop.Tick();

        TaskSnapshot task = loop.Snapshot().Tasks.Single();

        Assert.Multiple(() =>
        {
            Assert.That(task.Stack, Has.Count.EqualTo(22), "21 Nest frames and Bottom");
            Assert.That(task.Stack, Has.All.EqualTo("Nest").Or.EqualTo("Bottom"));
            Assert.That(task.ToString(), Is.EqualTo(
                "coroutine 'deep' (#1): waiting for round 3; 1 step, age 00:00:00; in Nest > Nest > Nest > (15 more) > Nest > Nest > Nest > Bottom"));
        });

        static IEnumerator Nest(int depth)
        {
            yield return depth == 0 ? Bottom() : Nest(depth - 1);
        }

        static IEnumerator Bottom()
        {
            yield return Wait.Ticks(2);
        }
    }

    [Test]
    public void Dump_EmptyLoop_IsTheHeaderAlone()
    {
        using var loop = new EventLoop(new VirtualClock());

        Assert.That(loop.Dump(), Is.EqualTo("event loop 'event-loop' at 00:00:00: 0 live (0 ready, 0 running, 0 waiting, 0 sleeping), 0 steps, 0 rounds, 0 faults"));
    }

    [Test]
    public void Snapshot_FromAnotherThread_Throws()
    {
        using var loop = new EventLoop(new VirtualClock());
        Exception? thrown = null;
        var other = new Thread(() =>
        {
            try
            {
                loop.Snapshot();
            }
            catch (Exception ex)
            {
                thrown = ex;
            }
        });

        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);

        Assert.That(thrown, Is.TypeOf<InvalidOperationException>().With.Message.Contain("belongs to the event loop's thread"));
    }

    [Test]
    public void Snapshot_FromAPostedCallbackOfAnotherThread_Works()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Wait(), "parked");
        loop.Tick();
        string? dump = null;
        var other = new Thread(() => loop.Post(() => dump = loop.Dump()));
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);

        loop.Tick();

        Assert.That(dump, Does.Contain("coroutine 'parked' (#1): sleeping forever (until canceled)"));

        static IEnumerator Wait()
        {
            yield return Scheduler.Wait.Forever;
        }
    }

    [Test]
    public void RunUntilIdle_BudgetRunsOut_TheMessageIsTheTaskDump()
    {
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "spin" });
        loop.Spawn(Spin(), "spinner");
        loop.Spawn(Nothing(), "parked");

        var error = Assert.Throws<InvalidOperationException>(() => loop.RunUntilIdle(maxSteps: 5));

        Assert.That(error!.Message, Is.EqualTo(Lines(
            "The loop ran 5 steps without becoming idle (budget 5).",
            "event loop 'spin' at 00:00:00: 2 live (1 ready, 0 running, 1 waiting, 0 sleeping), 5 steps, 4 rounds, 0 faults",
            "coroutine 'spinner' (#1): ready; 4 steps, age 00:00:00; in Spin",
            "coroutine 'parked' (#2): sleeping forever (until canceled); 1 step, age 00:00:00; in Nothing")));

        static IEnumerator Spin()
        {
            while (true)
            {
                yield return null;
            }
        }

        static IEnumerator Nothing()
        {
            yield return Wait.Forever;
        }
    }

    [Test]
    public void RunUntilIdle_BudgetRunsOutWithManyTasks_TheMessageListsFiftyAndCountsTheRest()
    {
        using var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < 60; i++)
        {
            loop.Spawn(Spin());
        }

        var error = Assert.Throws<InvalidOperationException>(() => loop.RunUntilIdle(maxSteps: 100));

        string[] lines = error!.Message.Split(Environment.NewLine);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Length.EqualTo(2 + 50 + 1));
            Assert.That(lines[^1], Is.EqualTo("... 10 more tasks"));
        });

        static IEnumerator Spin()
        {
            while (true)
            {
                yield return null;
            }
        }
    }

    internal static string Lines(params string[] lines) => string.Join(Environment.NewLine, lines);
}
