using System.Net.Sockets;
using Scheduler.Tests.Net;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// What a snapshot says a coroutine waits on, for every kind of wait: exact words, so that a dump in a log or a
/// failing test's message tells a reader at once what each task is stuck on.
/// </summary>
public class WaitDescriptionTests
{
    [Test]
    public void WaitingOn_SpawnedNotStepped_IsReady()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Parked(Wait.Forever), "t");

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("ready"));
    }

    [Test]
    public void WaitingOn_FromInsideItsOwnStep_IsRunning()
    {
        using var loop = new EventLoop(new VirtualClock());
        string? seen = null;
        loop.Spawn(Look(), "self");

        loop.Tick();

        Assert.That(seen, Is.EqualTo("running"));

        IEnumerator Look()
        {
            seen = WaitingOn(loop, "self");
            yield break;
        }
    }

    [Test]
    public void WaitingOn_CanceledWhileParked_IsReadyToEndCanceled()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine parked = loop.Spawn(Parked(Wait.Forever), "t");
        loop.Tick();

        parked.Cancel();

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("ready to end canceled"));
    }

    [Test]
    public void WaitingOn_JoinedCoroutineFaulted_IsReadyToEndFaulted()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine failing = loop.Spawn(Fail(), "failing");
        loop.Spawn(Parked(failing), "t");
        loop.Tick();
        loop.Tick();

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("ready to end faulted"));

        static IEnumerator Fail()
        {
            yield return null;
            throw new InvalidOperationException("expected");
        }
    }

    [Test]
    public void WaitingOn_Delay_IsSleepingUntilTheLoopTimeItWakesAt()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        loop.Spawn(Parked(Wait.For(TimeSpan.FromSeconds(3))), "t");
        loop.Tick();
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("sleeping until 00:00:05"));
    }

    [Test]
    public void WaitingOn_DelayWithAFraction_ShowsMillisecondsOrTicks()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Parked(Wait.For(TimeSpan.FromMilliseconds(61_250))), "ms");
        loop.Spawn(Parked(Wait.For(TimeSpan.FromTicks(15))), "ticks");
        loop.Spawn(Parked(Wait.For(TimeSpan.FromHours(50))), "days");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "ms"), Is.EqualTo("sleeping until 00:01:01.250"));
            Assert.That(WaitingOn(loop, "ticks"), Is.EqualTo("sleeping until 00:00:00.0000015"));
            Assert.That(WaitingOn(loop, "days"), Is.EqualTo("sleeping until 2.02:00:00"));
        });
    }

    [Test]
    public void WaitingOn_Forever_IsSleepingForever()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Parked(Wait.Forever), "t");
        loop.Tick();

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("sleeping forever (until canceled)"));
    }

    [Test]
    public void WaitingOn_Rounds_IsTheRoundItRunsIn()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Tick();
        loop.Spawn(Parked(Wait.Ticks(10)), "t");
        loop.Tick(); // round 2: it yields Wait.Ticks(10), so it runs again in round 12

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("waiting for round 12"));
    }

    [Test]
    public void WaitingOn_Join_NamesTheJoinedCoroutine()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Parked(Wait.Forever), "worker-0");
        Coroutine worker = loop.Spawn(Parked(Wait.Forever), "worker-3");
        loop.Spawn(Parked(worker), "t");
        loop.Spawn(Parked(Wait.Settled(worker)), "settled");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "t"), Is.EqualTo("joining coroutine 'worker-3' (#2)"));
            Assert.That(WaitingOn(loop, "settled"), Is.EqualTo("joining coroutine 'worker-3' (#2), whatever its outcome"));
        });
    }

    [Test]
    public void WaitingOn_JoinFromAHandWrittenEnumeratorWithoutCurrent_FindsTheJoinedCoroutineAnyway()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine worker = loop.Spawn(Parked(Wait.Forever), "worker");
        loop.Spawn(new ForgetfulJoin(worker), "t");
        loop.Tick();

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("joining coroutine 'worker' (#1)"));
    }

    [Test]
    public void WaitingOn_Signals_NameTheSignal()
    {
        using var loop = new EventLoop(new VirtualClock());
        var ready = new Signal(loop, name: "ready");
        var go = new Signal(loop, autoReset: true, name: "go");
        var anonymous = new Signal(loop);
        loop.Spawn(Parked(ready.Wait()), "t");
        loop.Spawn(Parked(go.Wait()), "auto");
        loop.Spawn(Parked(anonymous.Wait()), "anonymous");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "t"), Is.EqualTo("waiting for signal 'ready'"));
            Assert.That(WaitingOn(loop, "auto"), Is.EqualTo("waiting for auto-reset signal 'go'"));
            Assert.That(WaitingOn(loop, "anonymous"), Is.EqualTo("waiting for a signal"));
        });
    }

    [Test]
    public void WaitingOn_Semaphore_SaysHowManyPermitsAreFree()
    {
        using var loop = new EventLoop(new VirtualClock());
        var db = new CoroutineSemaphore(loop, initialCount: 0, maxCount: 2, name: "db");
        var open = new CoroutineSemaphore(loop, initialCount: 0, name: "open");
        loop.Spawn(Parked(db.Wait()), "t");
        loop.Spawn(Parked(open.Wait()), "unbounded");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "t"), Is.EqualTo("acquiring semaphore 'db' (0 of 2 free)"));
            Assert.That(WaitingOn(loop, "unbounded"), Is.EqualTo("acquiring semaphore 'open' (0 free)"));
        });
    }

    [Test]
    public void WaitingOn_Lock_NamesItsHolder()
    {
        using var loop = new EventLoop(new VirtualClock());
        var cache = new CoroutineLock(loop, "cache");
        loop.Spawn(Hold(cache), "holder");
        loop.Tick();
        loop.Spawn(Parked(cache.Acquire()), "t");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "t"), Is.EqualTo("acquiring lock 'cache' held by coroutine 'holder' (#1)"));
            Assert.That(WaitingOn(loop, "holder"), Is.EqualTo("sleeping forever (until canceled)"));
        });

        static IEnumerator Hold(CoroutineLock gate)
        {
            yield return gate.Acquire();
            yield return Wait.Forever;
        }
    }

    [Test]
    public void WaitingOn_Channels_SayReadingOrWritingAndHowFull()
    {
        using var loop = new EventLoop(new VirtualClock());
        var orders = new MessageChannel<int>(loop, capacity: 2, name: "orders");
        var events = new MessageChannel<string>(loop, name: "events");
        var anonymous = new MessageChannel<long>(loop);
        var commands = new Mailbox<int>(loop, "commands");
        orders.TryWrite(1);
        orders.TryWrite(2);
        loop.Spawn(Parked(orders.Write(3)), "writer");
        loop.Spawn(Parked(events.Read()), "reader");
        loop.Spawn(Parked(anonymous.Read()), "anonymous");
        loop.Spawn(Parked(commands.Receive()), "receiver");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "writer"), Is.EqualTo("writing channel 'orders' (full, 2/2)"));
            Assert.That(WaitingOn(loop, "reader"), Is.EqualTo("reading channel 'events'"));
            Assert.That(WaitingOn(loop, "anonymous"), Is.EqualTo("reading a channel of Int64"));
            Assert.That(WaitingOn(loop, "receiver"), Is.EqualTo("receiving from mailbox 'commands'"));
        });
    }

    [Test]
    public void WaitingOn_TaskGroup_SaysHowManyChildrenAreLive()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Own(loop), "t");
        loop.Tick();

        Assert.That(WaitingOn(loop, "t"), Is.EqualTo("waiting for task group 'workers' (1 live child)"));

        static IEnumerator Own(EventLoop loop)
        {
            var group = new TaskGroup(loop, "workers");
            group.Spawn(Parked(Wait.Forever));
            yield return group.WaitSettled();
        }
    }

    [Test]
    public void WaitingOn_Predicates_NameTheMethod()
    {
        using var loop = new EventLoop(new VirtualClock());
        bool flag = false;
        loop.Spawn(Parked(Wait.Until(IsReady)), "method");
        loop.Spawn(Parked(Wait.While(() => !flag)), "lambda");
        loop.Spawn(Parked(Wait.Until(HasStarted)), "local");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "method"), Is.EqualTo("until IsReady"));
            Assert.That(WaitingOn(loop, "lambda"), Is.EqualTo("while a lambda in WaitingOn_Predicates_NameTheMethod"));
            Assert.That(WaitingOn(loop, "local"), Is.EqualTo("until HasStarted"));
        });

        bool HasStarted() => flag;
    }

    [Test]
    public void WaitingOn_AnyAndAll_ListThePendingWaits()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var ready = new Signal(loop, name: "ready");
        Coroutine quick = loop.Spawn(Parked(Wait.Ticks(1)), "quick");
        Coroutine slow = loop.Spawn(Parked(Wait.Forever), "slow");
        loop.Spawn(Parked(Wait.Any(ready.Wait(), Wait.For(TimeSpan.FromSeconds(2)))), "any");
        loop.Spawn(Parked(Wait.All(quick, slow)), "all");
        loop.Spawn(Parked(Wait.Any(Wait.All(ready.Wait(), slow), Wait.Ticks(5))), "nested");
        loop.Tick();
        loop.Tick(); // quick ends in round 2, so one branch of "all" is done

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "any"), Is.EqualTo("any of: [waiting for signal 'ready'; sleeping until 00:00:02]"));
            Assert.That(WaitingOn(loop, "all"), Is.EqualTo("all of: [joining coroutine 'slow' (#2)] (1 of 2 done)"));
            Assert.That(WaitingOn(loop, "nested"), Is.EqualTo(
                "any of: [all of: [waiting for signal 'ready'; joining coroutine 'slow' (#2)]; waiting for round 6]"));
        });
    }

    [Test]
    public void WaitingOn_WithTimeout_SaysWhenItTimesOut()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var events = new MessageChannel<int>(loop, name: "events");
        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Spawn(Parked(events.Read().WithTimeout(TimeSpan.FromSeconds(3))), "t");
        loop.Spawn(Parked(events.Read().WithTimeout(Timeout.InfiniteTimeSpan)), "no-limit");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "t"), Is.EqualTo("reading channel 'events', timing out at 00:00:04"));
            Assert.That(WaitingOn(loop, "no-limit"), Is.EqualTo("reading channel 'events'"));
        });
    }

    [Test]
    public void WaitingOn_DotNetTasks_NameTheTask()
    {
        using var loop = new EventLoop(new VirtualClock());
        var plain = new TaskCompletionSource();
        var typed = new TaskCompletionSource<int>();
        loop.Spawn(YieldTask(plain.Task), "yielded");
        loop.Spawn(Parked(Wait.ForTask(plain.Task)), "wait");
        loop.Spawn(Parked(Wait.ForTask(typed.Task)), "typed");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(WaitingOn(loop, "yielded"), Is.EqualTo($"waiting for a .NET task (task #{plain.Task.Id})"));
            Assert.That(WaitingOn(loop, "wait"), Is.EqualTo($"waiting for a .NET task (task #{plain.Task.Id})"));
            Assert.That(WaitingOn(loop, "typed"), Is.EqualTo($"waiting for a .NET task (task #{typed.Task.Id})"));
        });

        plain.SetResult();
        typed.SetResult(1);

        static IEnumerator YieldTask(Task task)
        {
            yield return task;
        }
    }

    [Test]
    public void WaitingOn_Sockets_NameTheOperationAndTheSocket()
    {
        using var loop = new EventLoop(new VirtualClock());
        (LoopSocket server, Socket client) = SocketTestSupport.ConnectedPair(loop);
        using LoopSocket listener = LoopSocket.ListenTcp(loop, SocketTestSupport.AnyLoopbackPort);
        try
        {
            byte[] buffer = new byte[16];
            loop.Spawn(Parked(server.WaitReceive(buffer)), "receiver");
            loop.Spawn(Parked(listener.WaitAccept()), "acceptor");
            loop.Tick();

            Assert.Multiple(() =>
            {
                Assert.That(WaitingOn(loop, "receiver"), Is.EqualTo($"socket receive: {server}"));
                Assert.That(WaitingOn(loop, "receiver"), Does.Match(@"^socket receive: socket 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$"));
                Assert.That(WaitingOn(loop, "acceptor"), Is.EqualTo($"socket accept: {listener}"));
                Assert.That(WaitingOn(loop, "acceptor"), Does.Match(@"^socket accept: listener on 127\.0\.0\.1:\d+$"));
            });
        }
        finally
        {
            loop.Dispose();
            server.Dispose();
            client.Dispose();
        }
    }

    /// <summary>The snapshot's description of the live coroutine named <paramref name="name"/>.</summary>
    private static string WaitingOn(EventLoop loop, string name) =>
        loop.Snapshot().Tasks.Single(t => t.Name == name).WaitingOn;

    private static IEnumerator Parked(WaitCondition wait)
    {
        yield return wait;
    }

    private static bool IsReady() => false;

    /// <summary>A hand-written routine that joins a coroutine but answers <see cref="Current"/> only once, as the loop reads it.</summary>
    private sealed class ForgetfulJoin(Coroutine target) : IEnumerator
    {
        private bool _moved;
        private bool _read;

        public object? Current
        {
            get
            {
                if (!_moved || _read)
                {
                    throw new InvalidOperationException("no current value");
                }

                _read = true;
                return target;
            }
        }

        public bool MoveNext()
        {
            if (_moved)
            {
                return false;
            }

            _moved = true;
            return true;
        }

        public void Reset() => throw new NotSupportedException();
    }
}
