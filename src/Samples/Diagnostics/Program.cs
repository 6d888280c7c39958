using System.Collections;
using Microsoft.Extensions.Logging;
using Scheduler;

namespace Samples.Diagnostics;

// Diagnostics: seeing inside the loop. A small system of tasks (a producer, a task group of workers, a channel
// reader, a heartbeat that sleeps, a reporter that joins) runs on a virtual clock while a timeline records it;
// halfway through, a coroutine prints the task dump. At the end the sample prints statistics, writes the timeline
// as a Chrome trace (open it in ui.perfetto.dev or chrome://tracing) and, with --svg, draws it. A last section
// shows what Dispose reports about items left in a channel. docs/diagnostics.md quotes the code between the
// `// <snippet:NAME>` markers verbatim; DocSnippetTests keeps them in step.
//
//   dotnet run --project src/Samples/Diagnostics [-- --trace FILE] [--svg FILE]
internal static class Program
{
    private static int Main(string[] args)
    {
        string trace = Path.Combine(Path.GetTempPath(), "scheduler-diagnostics-trace.json");
        string? svg = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--trace" when i + 1 < args.Length:
                    trace = args[++i];
                    break;
                case "--svg" when i + 1 < args.Length:
                    svg = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: [--trace FILE] [--svg FILE]");
                    return 2;
            }
        }

        RunTheSystem(trace, svg);
        Console.WriteLine();
        Console.WriteLine("== Leftovers: Dispose reports items nobody read");
        Leftovers();
        return 0;
    }

    // <snippet:DiagnosticsRun>
    private static void RunTheSystem(string tracePath, string? svgPath)
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(new EventLoopOptions { Clock = clock, Name = "shop" });
        using TimelineRecorder timeline = loop.StartTimeline(timeProvider: clock);  // records every step and wait

        var jobs = new MessageChannel<int>(loop, capacity: 2, name: "jobs");
        var results = new MessageChannel<string>(loop, name: "results");
        loop.Spawn(Produce(jobs), "producer");
        Coroutine supervisor = loop.Spawn(Supervise(loop, jobs, results), "supervisor");
        loop.Spawn(Log(results), "logger");
        loop.Spawn(Heartbeat(), "heartbeat");
        loop.Spawn(Report(supervisor), "reporter");
        loop.Spawn(Inspect(loop), "inspector");

        loop.RunUntilIdle();

        Console.WriteLine("== Statistics at the end");
        Console.WriteLine($"  {loop.GetStatistics()}");
        Console.WriteLine();
        timeline.Dispose();                                                        // stop recording
        using (FileStream file = File.Create(tracePath))
        {
            timeline.WriteChromeTrace(file);
        }

        Console.WriteLine("== Timeline");
        Console.WriteLine($"  {timeline.Count} events ({timeline.DroppedCount} dropped) written to {tracePath}");
        Console.WriteLine("  open it in https://ui.perfetto.dev or chrome://tracing: one track per coroutine");
        // </snippet:DiagnosticsRun>
        if (svgPath is not null)
        {
            TimelineSvg.Render(tracePath, svgPath);
            Console.WriteLine($"  drawn as {svgPath}");
        }
    }

    // <snippet:DiagnosticsInspect>
    private static IEnumerator Inspect(EventLoop loop)
    {
        yield return Wait.For(TimeSpan.FromMilliseconds(300));
        Console.WriteLine($"== The task dump at round {loop.TickCount}");
        Console.WriteLine(loop.Dump());                                            // this coroutine shows as running
        Console.WriteLine();
    }
    // </snippet:DiagnosticsInspect>

    // <snippet:DiagnosticsSystem>
    private static IEnumerator Produce(MessageChannel<int> jobs)
    {
        for (int job = 1; job <= 10; job++)
        {
            yield return jobs.Write(job);                                          // waits while two jobs are queued
        }

        jobs.Complete();
    }

    private static IEnumerator Supervise(EventLoop loop, MessageChannel<int> jobs, MessageChannel<string> results)
    {
        var group = new TaskGroup(loop, "workers");
        group.Spawn(Work(jobs, results, speed: 1), "worker-1");
        group.Spawn(Work(jobs, results, speed: 2), "worker-2");
        yield return group.WaitAll();
        results.Complete();
    }

    private static IEnumerator Work(MessageChannel<int> jobs, MessageChannel<string> results, int speed)
    {
        ReadWait<int> next = jobs.Read();
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                yield break;                                                       // completed and drained
            }

            yield return Process(next.Value, speed);                               // nested routine: Work > Process
            results.TryWrite($"job {next.Value} done");
        }
    }

    private static IEnumerator Process(int job, int speed)
    {
        yield return Wait.For(TimeSpan.FromMilliseconds(100 * speed + (10 * job)));
    }

    private static IEnumerator Log(MessageChannel<string> results)
    {
        ReadWait<string> line = results.Read();
        while (true)
        {
            yield return line;
            if (!line.HasValue)
            {
                yield break;
            }
        }
    }

    private static IEnumerator Heartbeat()
    {
        for (int beat = 0; beat < 4; beat++)
        {
            yield return Wait.For(TimeSpan.FromMilliseconds(200));
        }
    }

    private static IEnumerator Report(Coroutine supervisor)
    {
        yield return supervisor;                                                   // join
        Console.WriteLine($"== The reporter resumed: the supervisor has {supervisor.State.ToString().ToLowerInvariant()}");
        Console.WriteLine();
    }
    // </snippet:DiagnosticsSystem>

    // <snippet:DiagnosticsLeftovers>
    private static void Leftovers()
    {
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "audit", Logger = new ConsoleLog() });
        var audit = new MessageChannel<string>(loop, name: "audit");
        audit.TryWrite("user 7 logged in");
        audit.TryWrite("user 7 paid");
        Console.WriteLine(loop.Dump());                                            // the dump lists channels with items
        loop.Dispose();                                                            // logs a Warning: 2 items left
    }
    // </snippet:DiagnosticsLeftovers>

    /// <summary>A minimal console logger, so the sample shows the library's log events (level, event id, message).</summary>
    private sealed class ConsoleLog : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.WriteLine($"  log: {logLevel} [{eventId.Id} {eventId.Name}] {formatter(state, exception)}");
    }
}
