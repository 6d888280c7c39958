using System.Collections;
using System.Globalization;
using Scheduler;

namespace Samples.AsyncBridge;

// AsyncBridge: coroutines and .NET tasks together. Iterator coroutines wait for tasks, async methods run on the
// loop thread, async code awaits coroutines, and CPU work goes to the thread pool without blocking the loop.
// The docs (docs/async.md) quote the code between the `// <snippet:NAME>` markers verbatim.
internal static class Program
{
    private static async Task Main()
    {
        Section("A coroutine waits for .NET tasks", WaitForTasks);
        Section("CPU work goes to the thread pool; the loop keeps running", Offload);
        Section("Faults keep their type; a canceled task cancels the coroutine", FaultsAndCancellation);
        Section("Async methods run on the loop thread", AsyncMethods);
        Section("Generator-based and native coroutines together", Together);
        Console.WriteLine("== Async code awaits coroutines");
        await AwaitFromAsyncCode();
        Console.WriteLine();
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:AsyncWaitForTasks>
    private static void WaitForTasks()
    {
        using var loop = new EventLoop();
        loop.Spawn(Fetch(Environment.CurrentManagedThreadId), "fetch");
        loop.Run();                                                 // returns once "fetch" has ended
    }

    private static IEnumerator Fetch(int loopThread)
    {
        Task<int> lookup = Task.Run(() => 6 * 7);                   // a .NET task, on the thread pool
        yield return lookup;                                        // the loop runs other coroutines meanwhile
        bool onLoop = Environment.CurrentManagedThreadId == loopThread;
        Console.WriteLine($"  lookup = {lookup.Result}, resumed on the loop thread: {onLoop}");  // completed: no blocking

        var greeting = Wait.ForTask(Task.Run(() => "hello"));       // a wait that holds the value
        yield return greeting;
        Console.WriteLine($"  greeting = {greeting.Result}");

        var cached = Wait.ForTask(new ValueTask<int>(7));           // value tasks too
        yield return cached;
        Console.WriteLine($"  cached = {cached.Result}");
    }
    // </snippet:AsyncWaitForTasks>

    // <snippet:AsyncOffload>
    private static void Offload()
    {
        using var loop = new EventLoop();
        var beats = new Heartbeats();
        loop.Spawn(CountPrimes(beats), "primes");
        loop.Spawn(Heartbeat(beats), "heartbeat");
        loop.Run();
    }

    private static IEnumerator CountPrimes(Heartbeats beats)
    {
        int before = beats.Count;
        var primes = Wait.Offload(() => Enumerable.Range(2, 999_999).Count(IsPrime));   // runs on the pool
        yield return primes;
        beats.Done = true;
        Console.WriteLine($"  {primes.Result} primes up to a million");
        Console.WriteLine($"  the heartbeat went on meanwhile: {beats.Count - before > 1}");
    }

    private static IEnumerator Heartbeat(Heartbeats beats)
    {
        while (!beats.Done)
        {
            beats.Count++;                                          // loop thread only: no lock needed
            yield return Wait.For(TimeSpan.FromMilliseconds(1));
        }
    }

    private static bool IsPrime(int n)
    {
        for (int d = 2; d * d <= n; d++)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Heartbeats
    {
        public int Count { get; set; }

        public bool Done { get; set; }
    }
    // </snippet:AsyncOffload>

    // <snippet:AsyncFaults>
    private static void FaultsAndCancellation()
    {
        using var loop = new EventLoop();
        using var stop = new CancellationTokenSource();
        Coroutine parse = loop.Spawn(Parse(), "parse");
        Coroutine download = loop.Spawn(Download(stop.Token), "download");
        loop.Spawn(Report(parse, download), "report");
        stop.Cancel();                                              // the download's task ends canceled
        loop.Run();
    }

    private static IEnumerator Parse()
    {
        yield return Task.Run(() => int.Parse("forty-two", CultureInfo.InvariantCulture));
        Console.WriteLine("  never printed: the task faulted");
    }

    private static IEnumerator Download(CancellationToken token)
    {
        try
        {
            yield return Task.Delay(TimeSpan.FromSeconds(30), token);
        }
        finally
        {
            Console.WriteLine("  download: finally runs, as for any cancel");
        }
    }

    private static IEnumerator Report(Coroutine parse, Coroutine download)
    {
        yield return Wait.All(Wait.Settled(parse), Wait.Settled(download));
        Console.WriteLine($"  parse: {parse.State} with {parse.Exception!.GetType().Name}");  // not AggregateException
        Console.WriteLine($"  download: {download.State}");
    }
    // </snippet:AsyncFaults>

    // <snippet:AsyncMethods>
    private static void AsyncMethods()
    {
        using var loop = new EventLoop();
        Coroutine<string> page = loop.Spawn<string>(Routine.FromTask(LoadPageAsync), "page");
        loop.Run();                                                 // the async method is a coroutine: Run waits for it
        Console.WriteLine($"  {page.Result}");
    }

    private static async Task<string> LoadPageAsync()
    {
        int loopThread = Environment.CurrentManagedThreadId;
        await Task.Delay(10);                                       // completes on a timer thread ...
        bool first = Environment.CurrentManagedThreadId == loopThread;  // ... but resumes on the loop thread
        string body = await Task.Run(() => "<html>");               // completes on a pool thread ...
        bool second = Environment.CurrentManagedThreadId == loopThread;
        return $"{body}: resumed on the loop thread after each await: {first && second}";
    }
    // </snippet:AsyncMethods>

    // <snippet:AsyncTogether>
    private static void Together()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> total = loop.Spawn<int>(Accountant(loop), "accountant");
        loop.RunUntilIdle();
        Console.WriteLine($"  total = {total.Result}");
    }

    // A generator-based coroutine waits for a native one ...
    private static IEnumerator Accountant(EventLoop loop)
    {
        Console.WriteLine($"  round {loop.TickCount}: accountant asks the clerk");
        var sum = Wait.ForTask(ClerkAsync(loop));                   // starts the async method here, on the loop
        yield return sum;
        Console.WriteLine($"  round {loop.TickCount}: accountant has {sum.Result}");
        yield return Routine.Return(sum.Result);
    }

    // ... which waits for generator-based ones.
    private static async Task<int> ClerkAsync(EventLoop loop)
    {
        Console.WriteLine($"  round {loop.TickCount}: clerk starts two counters");
        Coroutine<int> apples = loop.Spawn<int>(Count(loop, "apples", 3), "apples");
        Coroutine<int> pears = loop.Spawn<int>(Count(loop, "pears", 2), "pears");
        int sum = await apples + await pears;
        Console.WriteLine($"  round {loop.TickCount}: clerk adds them up");
        return sum;
    }

    private static IEnumerator Count(EventLoop loop, string what, int how)
    {
        for (int i = 1; i <= how; i++)
        {
            Console.WriteLine($"  round {loop.TickCount}: {what} {i}");
            yield return null;
        }

        yield return Routine.Return(how);
    }
    // </snippet:AsyncTogether>

    // <snippet:AsyncAwaitCoroutines>
    private static async Task AwaitFromAsyncCode()
    {
        using var loop = new EventLoop();
        Coroutine<int> answer = loop.Spawn<int>(SlowAnswer(), "answer");
        Coroutine broken = loop.Spawn(Broken(), "broken");
        Task running = loop.RunAsync();                             // Run, on a dedicated thread

        Console.WriteLine($"  answer = {await answer}");            // await a coroutine, from any thread
        try
        {
            await broken;
        }
        catch (InvalidOperationException ex)                        // its own exception, unwrapped
        {
            Console.WriteLine($"  broken: {ex.Message}");
        }

        await running;                                              // Run returned: nothing is alive
        Console.WriteLine("  the loop has stopped");
    }

    private static IEnumerator SlowAnswer()
    {
        yield return Wait.For(TimeSpan.FromMilliseconds(10));
        yield return Routine.Return(42);
    }

    private static IEnumerator Broken()
    {
        yield return Wait.For(TimeSpan.FromMilliseconds(30));
        throw new InvalidOperationException("the part is missing");
    }
    // </snippet:AsyncAwaitCoroutines>
}
