using System.Collections;
using Scheduler;

namespace Samples.HelloLoop;

// HelloLoop: the ideas of the Python generator and coroutine articles, in C#, on one event loop.
// Each section is one static method and the routines it runs. The docs quote the code between the
// `// <snippet:NAME>` markers verbatim, and a test (DocSnippetTests) keeps them in step.
internal static class Program
{
    private static void Main()
    {
        Section("First loop: two coroutines on the real clock", FirstLoop);
        Section("Countdown: nothing runs until the first step", Countdown);
        Section("Round robin: three tasks take turns", RoundRobin);
        Section("Rounds: what becomes ready during a round runs in the next one", SpawnDuringRound);
        Section("A hand-written IEnumerator is a task too", HandWrittenIterator);
        Section("Delegation: yield from, and return a value", Delegation);
        Section("Join a coroutine and read its result", Join);
        Section("Cancel: finally blocks run, innermost first", Cancel);
        Section("Faults reach the joiners", Fault);
        Section("Virtual time: an hour of timers without waiting", VirtualTime);
        Section("Threads: post to the loop from another thread", PostFromAnotherThread);
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:FirstLoop>
    private static void FirstLoop()
    {
        using var loop = new EventLoop();               // the real clock
        loop.Spawn(Blink("tick", 3));
        loop.Spawn(Blink("tock", 2));
        loop.Run();                                     // sleeps while idle; returns when no coroutine is left
    }

    private static IEnumerator Blink(string word, int times)
    {
        for (int i = 1; i <= times; i++)
        {
            Console.WriteLine($"  {word} {i}");
            yield return Wait.For(TimeSpan.FromMilliseconds(10));
        }
    }
    // </snippet:FirstLoop>

    // <snippet:Countdown>
    private static void Countdown()
    {
        using var loop = new EventLoop(new VirtualClock());
        Console.WriteLine("  before Spawn");
        Coroutine countdown = loop.Spawn(Yielder(), "yielder");
        Console.WriteLine($"  after Spawn: {countdown.State}, {countdown.Steps} steps");   // no line of Yielder ran
        loop.Tick();
        Console.WriteLine($"  after the first Tick: {countdown.Steps} step");
        loop.RunUntilIdle();
        Console.WriteLine($"  {countdown.State} after {countdown.Steps} steps");           // 5 yields + the end
    }

    private static IEnumerator Yielder()
    {
        Console.WriteLine("  Yielder starts");
        for (int i = 5; i > 0; i--)
        {
            Console.WriteLine($"  {i}");
            yield return null;                          // end this step; run again next round
        }
    }
    // </snippet:Countdown>

    // <snippet:RoundRobin>
    private static void RoundRobin()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Worker("a", 3), "a");
        loop.Spawn(Worker("b", 3), "b");
        loop.Spawn(Worker("c", 3), "c");
        while (loop.LiveCount > 0)
        {
            Console.Write($"  round {loop.TickCount + 1}:");
            int steps = loop.Tick();
            Console.WriteLine($" ({steps} steps)");
        }
    }

    private static IEnumerator Worker(string name, int turns)
    {
        for (int turn = 1; turn <= turns; turn++)
        {
            Console.Write($" {name}{turn}");
            yield return null;                          // back of the queue: the others go first
        }
    }
    // </snippet:RoundRobin>

    // <snippet:SpawnDuringRound>
    private static void SpawnDuringRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Parent(loop), "parent");
        loop.RunUntilIdle();
    }

    private static IEnumerator Parent(EventLoop loop)
    {
        Console.WriteLine($"  round {loop.TickCount}: parent spawns child");
        loop.Spawn(Child(loop), "child");               // queued now, first step next round
        yield return null;                              // queued behind the child
        Console.WriteLine($"  round {loop.TickCount}: parent");
    }

    private static IEnumerator Child(EventLoop loop)
    {
        Console.WriteLine($"  round {loop.TickCount}: child");
        yield break;
    }
    // </snippet:SpawnDuringRound>

    // <snippet:HandWrittenIterator>
    private static void HandWrittenIterator()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine letters = loop.Spawn(new Letters("a", "b", "c"), "letters");
        loop.RunUntilIdle();
        Console.WriteLine($"  {letters.State} after {letters.Steps} steps");
    }

    // Python's class with __iter__ and __next__: any IEnumerator is a task, not only an iterator method.
    private sealed class Letters(params string[] letters) : IEnumerator
    {
        private int _index = -1;

        public object? Current => null;                 // what the step yields: null means "next round"

        public bool MoveNext()                          // one step; false ends the task, like StopIteration
        {
            if (++_index == letters.Length)
            {
                return false;
            }

            Console.WriteLine($"  {letters[_index]}");
            return true;
        }

        public void Reset() => throw new NotSupportedException();
    }
    // </snippet:HandWrittenIterator>

    // <snippet:Delegation>
    private static void Delegation()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine report = loop.Spawn(Report(), "report");
        loop.RunUntilIdle();
        Console.WriteLine($"  {report.State} after {report.Steps} steps");
    }

    private static IEnumerator Report()
    {
        yield return Greet();                                   // yield from greet(): runs inside this task
        var mean = Routine.Call<double>(Mean(3, 5, 10));
        yield return mean;                                      // m = yield from mean(3, 5, 10)
        Console.WriteLine($"  mean = {mean.Result}");
    }

    private static IEnumerator Greet()
    {
        Console.WriteLine("  Greet runs in the same step as its parent");
        yield break;
    }

    private static IEnumerator Mean(params int[] values)
    {
        double sum = 0;
        foreach (int value in values)
        {
            sum += value;
            yield return null;                                  // the whole task waits a round
        }

        yield return Routine.Return(sum / values.Length);       // return sum / len(values)
    }
    // </snippet:Delegation>

    // <snippet:Join>
    private static void Join()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> answer = loop.Spawn<int>(Answer(), "answer");
        loop.Spawn(PrintAnswer(answer), "printer");
        loop.RunUntilIdle();

        int again = loop.RunUntilComplete<int>(Answer());      // spawn, run to the end, return the value
        Console.WriteLine($"  RunUntilComplete returned {again}");
    }

    private static IEnumerator Answer()
    {
        yield return Wait.Ticks(3);                             // three rounds of thinking
        yield return Routine.Return(42);
    }

    private static IEnumerator PrintAnswer(Coroutine<int> answer)
    {
        yield return answer;                                    // join: resumes once 'answer' has ended
        Console.WriteLine($"  round {answer.Loop.TickCount}: {answer} returned {answer.Result}");
    }
    // </snippet:Join>

    // <snippet:Cancel>
    private static void Cancel()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine worker = loop.Spawn(Outer(), "worker");
        loop.Tick();
        loop.Tick();
        Console.WriteLine($"  Cancel() = {worker.Cancel()}, again = {worker.Cancel()}");   // runs no user code
        loop.Tick();                                            // the worker's turn disposes its stack
        Console.WriteLine($"  {worker.State} after {worker.Steps} steps");
    }

    private static IEnumerator Outer()
    {
        try
        {
            yield return Inner();
        }
        finally
        {
            Console.WriteLine("  Outer: finally");
        }
    }

    private static IEnumerator Inner()
    {
        try
        {
            while (true)
            {
                Console.WriteLine("  Inner: working");
                yield return null;
            }
        }
        finally
        {
            Console.WriteLine("  Inner: finally");                // Python: except GeneratorExit / finally
        }
    }
    // </snippet:Cancel>

    // <snippet:Fault>
    private static void Fault()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => Console.WriteLine($"  UnobservedFault: {e.Coroutine}: {e.Exception.Message}");
        Coroutine failing = loop.Spawn(Fail(), "failing");
        Coroutine joiner = loop.Spawn(JoinFailing(failing), "joiner");
        loop.Spawn(Inspect(failing), "inspector");
        loop.RunUntilIdle();
        Console.WriteLine($"  joiner: {joiner.State}, same exception: {ReferenceEquals(joiner.Exception, failing.Exception)}");
    }

    private static IEnumerator Fail()
    {
        yield return null;
        throw new InvalidOperationException("disk on fire");
    }

    private static IEnumerator JoinFailing(Coroutine other)
    {
        try
        {
            yield return other;                                 // the fault arrives here, like gen.throw()
            Console.WriteLine("  never printed");
        }
        finally
        {
            Console.WriteLine("  joiner: finally");
        }
    }

    private static IEnumerator Inspect(Coroutine other)
    {
        yield return Wait.Settled(other);                       // join without inheriting the fault
        Console.WriteLine($"  inspector: {other} is {other.State}: {other.Exception?.Message}");
    }
    // </snippet:Fault>

    // <snippet:VirtualTime>
    private static void VirtualTime()
    {
        var clock = new VirtualClock { AutoAdvance = true };   // an idle loop jumps it to the next timer
        using var loop = new EventLoop(clock);
        loop.Spawn(Heartbeat(clock), "heartbeat");
        loop.Spawn(Backup(clock), "backup");
        long steps = loop.RunUntilIdle(maxSteps: 1_000);        // a budget: throws instead of hanging
        Console.WriteLine($"  {clock.Elapsed} of virtual time in {steps} steps");
    }

    private static IEnumerator Heartbeat(TimeProvider clock)
    {
        for (int beat = 1; beat <= 4; beat++)
        {
            yield return Wait.For(TimeSpan.FromMinutes(15));
            Console.WriteLine($"  {clock.GetUtcNow():HH:mm} heartbeat {beat}");
        }
    }

    private static IEnumerator Backup(TimeProvider clock)
    {
        yield return Wait.For(TimeSpan.FromMinutes(40));
        Console.WriteLine($"  {clock.GetUtcNow():HH:mm} backup");
    }
    // </snippet:VirtualTime>

    // <snippet:Post>
    private static void PostFromAnotherThread()
    {
        using var loop = new EventLoop();
        bool delivered = false;                                 // touched on the loop thread only
        loop.Spawn(WaitForDelivery(() => delivered), "waiter");
        var producer = new Thread(() =>
        {
            try
            {
                Console.WriteLine(loop.LiveCount);              // loop-only member: throws on this thread
            }
            catch (InvalidOperationException)
            {
                Console.WriteLine("  producer: LiveCount throws InvalidOperationException here");
            }

            loop.Post(() =>                                     // safe from any thread
            {
                delivered = true;
                Console.WriteLine($"  posted callback: IsLoopThread = {loop.IsLoopThread}");
            });
        });
        producer.Start();
        loop.Run();                                             // returns once the waiter has ended
        producer.Join();
    }

    private static IEnumerator WaitForDelivery(Func<bool> delivered)
    {
        yield return Wait.Until(delivered);                     // polled once per round
        Console.WriteLine("  waiter: resumed");
    }
    // </snippet:Post>
}
