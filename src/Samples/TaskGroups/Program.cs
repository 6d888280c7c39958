using System.Collections;
using Scheduler;

namespace Samples.TaskGroups;

// TaskGroups: structured concurrency on the event loop. A TaskGroup's children end with their scope: the owner
// waits for all of them, a failure cancels the siblings, and stopping the owner stops the children. Also: a
// time limit on any wait. docs/structured-concurrency.md quotes the code between the `// <snippet:NAME>`
// markers verbatim; DocSnippetTests keeps them in step. Every section runs on a VirtualClock.
internal static class Program
{
    private static void Main()
    {
        Section("Wait for every child", WaitForEveryChild);
        Section("One child fails: the siblings are canceled, every fault is gathered", OneChildFails);
        Section("Inspect the outcome instead of inheriting it", InspectTheOutcome);
        Section("Unity-style: stopping the parent leaves its child running", UnityStyle);
        Section("Task group: stopping the parent stops its children", StopTheParent);
        Section("A time limit on any wait", Timeouts);
        Section("A deadline for a whole group", Deadline);
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:TaskGroupsWaitAll>
    private static void WaitForEveryChild()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        loop.RunUntilComplete(Crawl(loop, clock), "crawler");
    }

    private static IEnumerator Crawl(EventLoop loop, VirtualClock clock)
    {
        var group = new TaskGroup(loop, "fetchers");        // owned by the coroutine running Crawl
        group.Spawn(Fetch(clock, "a.example", 300), "a");
        group.Spawn(Fetch(clock, "b.example", 100), "b");
        group.Spawn(Fetch(clock, "c.example", 200), "c");
        yield return group.WaitAll();                       // resumes once all three have ended
        Console.WriteLine($"  all done at {clock.Elapsed.TotalMilliseconds} ms: {group.State}");
    }

    private static IEnumerator Fetch(VirtualClock clock, string host, int milliseconds)
    {
        yield return Wait.For(TimeSpan.FromMilliseconds(milliseconds));
        Console.WriteLine($"  fetched {host} at {clock.Elapsed.TotalMilliseconds} ms");
    }
    // </snippet:TaskGroupsWaitAll>

    // <snippet:TaskGroupsFailure>
    private static void OneChildFails()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        try
        {
            loop.RunUntilComplete(Supervise(loop), "supervisor");
        }
        catch (AggregateException faults)                   // the group's fault, inherited by its owner
        {
            Console.WriteLine($"  the supervisor faulted with {faults.InnerExceptions.Count} faults:");
            foreach (Exception fault in faults.InnerExceptions)
            {
                Console.WriteLine($"    {fault.GetType().Name}: {fault.Message}");
            }
        }
    }

    private static IEnumerator Supervise(EventLoop loop)
    {
        var group = new TaskGroup(loop, "workers");
        group.Spawn(FailAfter(100, new IOException("disk full")), "writer");
        group.Spawn(FailAfter(100, new UnauthorizedAccessException("quota exceeded")), "uploader");
        group.Spawn(Listen(), "listener");                  // canceled when the others fail
        yield return group.WaitAll();                       // faults: the group faulted
        Console.WriteLine("  never printed");
    }

    private static IEnumerator FailAfter(int milliseconds, Exception fault)
    {
        yield return Wait.For(TimeSpan.FromMilliseconds(milliseconds));
        throw fault;
    }

    private static IEnumerator Listen()
    {
        try
        {
            yield return Wait.Forever;
        }
        finally
        {
            Console.WriteLine("  listener: canceled, finally runs");
        }
    }
    // </snippet:TaskGroupsFailure>

    // <snippet:TaskGroupsSettled>
    private static void InspectTheOutcome()
    {
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        loop.RunUntilComplete(Inspect(loop), "inspector");
    }

    private static IEnumerator Inspect(EventLoop loop)
    {
        var group = new TaskGroup(loop, "workers");
        group.Spawn(FailAfter(100, new IOException("disk full")), "writer");
        yield return group.WaitSettled();                   // resumes whatever happened
        Console.WriteLine($"  {group.State}: {group.Exception!.InnerExceptions[0].Message}");
    }
    // </snippet:TaskGroupsSettled>

    // <snippet:TaskGroupsUnityStyle>
    private static void UnityStyle()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine parent = loop.Spawn(LooseParent(loop), "parent");
        loop.Tick();
        loop.Tick();
        parent.Cancel();                                    // StopCoroutine(parent)
        loop.Tick();
        loop.Tick();
        Console.WriteLine($"  parent {parent.State}; coroutines still alive: {loop.LiveCount}");
        Console.WriteLine("  (only disposing the loop ends the orphan:)");
    }

    private static IEnumerator LooseParent(EventLoop loop)
    {
        loop.Spawn(Blink(loop, "orphan"), "orphan");        // StartCoroutine: nothing ties it to the parent
        yield return Wait.Forever;
    }
    // </snippet:TaskGroupsUnityStyle>

    // <snippet:TaskGroupsStopParent>
    private static void StopTheParent()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine parent = loop.Spawn(Parent(loop), "parent");
        loop.Tick();
        loop.Tick();
        parent.Cancel();                                    // the parent's end cancels its group's children
        loop.RunUntilIdle();
        Console.WriteLine($"  parent {parent.State}; coroutines still alive: {loop.LiveCount}");
    }

    private static IEnumerator Parent(EventLoop loop)
    {
        var children = new TaskGroup(loop, "children");
        children.Spawn(Blink(loop, "child"), "child");
        yield return children.WaitAll();
    }

    private static IEnumerator Blink(EventLoop loop, string name)
    {
        try
        {
            while (true)
            {
                Console.WriteLine($"  {name} blinks in round {loop.TickCount}");
                yield return null;
            }
        }
        finally
        {
            Console.WriteLine($"  {name}: finally in round {loop.TickCount}");
        }
    }
    // </snippet:TaskGroupsStopParent>

    // <snippet:TaskGroupsTimeout>
    private static void Timeouts()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        loop.RunUntilComplete(AskWithPatience(loop, clock), "asker");
    }

    private static IEnumerator AskWithPatience(EventLoop loop, VirtualClock clock)
    {
        Coroutine slow = loop.Spawn(Answer(TimeSpan.FromSeconds(5)), "slow");
        TimeoutWait reply = slow.WithTimeout(TimeSpan.FromSeconds(2));
        yield return reply;
        Console.WriteLine($"  slow: timed out = {reply.TimedOut} at {clock.Elapsed.TotalSeconds} s");
        slow.Cancel();                                      // the timeout removed our join; we end the worker too

        Coroutine quick = loop.Spawn(Answer(TimeSpan.FromSeconds(1)), "quick");
        reply = quick.WithTimeout(TimeSpan.FromSeconds(2));
        yield return reply;
        Console.WriteLine($"  quick: timed out = {reply.TimedOut} at {clock.Elapsed.TotalSeconds} s; timers left: {loop.PendingTimerCount}");
    }

    private static IEnumerator Answer(TimeSpan after)
    {
        yield return Wait.For(after);
    }
    // </snippet:TaskGroupsTimeout>

    // <snippet:TaskGroupsDeadline>
    private static void Deadline()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        loop.RunUntilComplete(FetchBeforeDeadline(loop, clock), "crawler");
    }

    private static IEnumerator FetchBeforeDeadline(EventLoop loop, VirtualClock clock)
    {
        var group = new TaskGroup(loop, "fetchers");
        group.Spawn(Fetch(clock, "fast.example", 100), "fast");
        group.Spawn(Fetch(clock, "slow.example", 900), "slow");
        TimeoutWait all = group.WaitAll().WithTimeout(TimeSpan.FromMilliseconds(500));
        yield return all;
        if (all.TimedOut)
        {
            group.Cancel();                                 // give up on the rest...
            yield return group.WaitAll();                   // ...and let their finally blocks run
        }

        Console.WriteLine($"  {group.State} at {clock.Elapsed.TotalMilliseconds} ms");
    }
    // </snippet:TaskGroupsDeadline>
}
