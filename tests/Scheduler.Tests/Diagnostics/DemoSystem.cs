namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// A small, deterministic system of coroutines for the snapshot tests: a supervisor with a task group of two
/// workers (one delegating to a nested routine that sleeps, one waiting for a signal), a writer blocked on a
/// full channel, a reader waiting on an empty one, an unnamed sleeper and a joiner. Driven to round 4 at loop
/// time 1.5 s on a virtual clock.
/// </summary>
internal sealed class DemoSystem : IDisposable
{
    private DemoSystem(VirtualClock clock, EventLoop loop)
    {
        Clock = clock;
        Loop = loop;
        Orders = new MessageChannel<int>(loop, capacity: 2, name: "orders");
        Events = new MessageChannel<string>(loop, name: "events");
        Ready = new Signal(loop, name: "ready");
    }

    public VirtualClock Clock { get; }

    public EventLoop Loop { get; }

    public MessageChannel<int> Orders { get; }

    public MessageChannel<string> Events { get; }

    public Signal Ready { get; }

    public Coroutine Supervisor { get; private set; } = null!;

    public static DemoSystem Start()
    {
        var clock = new VirtualClock();
        var system = new DemoSystem(clock, new EventLoop(new EventLoopOptions { Clock = clock, Name = "demo" }));
        EventLoop loop = system.Loop;
        system.Supervisor = loop.Spawn(Supervise(loop, system.Ready), "supervisor");
        loop.Spawn(Fill(system.Orders), "writer");
        loop.Spawn(Drain(system.Events), "reader");
        clock.Advance(TimeSpan.FromMilliseconds(250));
        loop.Spawn(Sleep());
        loop.Spawn(Join(system.Supervisor), "joiner");
        for (int round = 0; round < 4; round++)
        {
            loop.Tick();
        }

        clock.Advance(TimeSpan.FromMilliseconds(1250));
        return system;
    }

    public void Dispose() => Loop.Dispose();

    private static IEnumerator Supervise(EventLoop loop, Signal ready)
    {
        var group = new TaskGroup(loop, "workers");
        group.Spawn(Work(), "worker-1");
        group.Spawn(AwaitSignal(ready), "worker-2");
        yield return group.WaitAll();
    }

    private static IEnumerator Work()
    {
        yield return null;
        yield return Poll();
    }

    private static IEnumerator Poll()
    {
        yield return Wait.For(TimeSpan.FromSeconds(5));
    }

    private static IEnumerator AwaitSignal(Signal ready)
    {
        yield return ready.Wait();
    }

    private static IEnumerator Fill(MessageChannel<int> orders)
    {
        for (int i = 0; i < 3; i++)
        {
            yield return orders.Write(i);
        }
    }

    private static IEnumerator Drain(MessageChannel<string> events)
    {
        ReadWait<string> read = events.Read();
        while (true)
        {
            yield return read;
            if (!read.HasValue)
            {
                yield break;
            }
        }
    }

    private static IEnumerator Sleep()
    {
        yield return Wait.For(TimeSpan.FromSeconds(10));
    }

    private static IEnumerator Join(Coroutine supervisor)
    {
        yield return supervisor;
    }
}
