using System.Collections;
using Scheduler;

namespace Samples.BlockingVsNonBlocking;

// BlockingVsNonBlocking: the seed's warning made visible. "If any of your coroutines blocks, your whole app comes to
// a grinding halt." The same four jobs run three ways next to a heartbeat that wants to beat every 10 ms, on the
// real clock, and the heartbeat's gaps are measured: a blocking step (Thread.Sleep) stalls it, a waiting step
// (Wait.For) does not, and a blocking call moved to the thread pool (Wait.Offload) does not either.
// docs/samples.md quotes the code between the `// <snippet:NAME>` markers verbatim; DocSnippetTests keeps them in
// step. The times differ a little from run to run; the whole program takes under a second.
internal static class Program
{
    private const int Jobs = 4;
    private static readonly TimeSpan s_job = TimeSpan.FromMilliseconds(60);
    private static readonly TimeSpan s_beat = TimeSpan.FromMilliseconds(10);

    private static void Main()
    {
        var reports = new List<Report>();
        Section("Blocking: Thread.Sleep in a step stalls every other coroutine", () => reports.Add(Measure("Thread.Sleep", BlockingJobs)));
        Section("Non-blocking: the same jobs wait with Wait.For", () => reports.Add(Measure("Wait.For", WaitingJobs)));
        Section("A blocking call you cannot avoid: Wait.Offload runs it on the thread pool", () => reports.Add(Measure("Wait.Offload", OffloadedJobs)));
        Section("The difference", () => Compare(reports));
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:BlockingJobs>
    private static IEnumerator BlockingJobs()
    {
        for (int job = 1; job <= Jobs; job++)
        {
            Thread.Sleep(s_job);                                    // the loop thread sleeps: nothing else runs
            yield return null;
        }
    }

    private static IEnumerator WaitingJobs()
    {
        for (int job = 1; job <= Jobs; job++)
        {
            yield return Wait.For(s_job);                           // this coroutine waits; the loop runs the others
        }
    }

    private static IEnumerator OffloadedJobs()
    {
        for (int job = 1; job <= Jobs; job++)
        {
            yield return Wait.Offload(() => Thread.Sleep(s_job));   // a blocking API, on a pool thread
        }
    }
    // </snippet:BlockingJobs>

    // <snippet:BlockingMeasure>
    private static Report Measure(string name, Func<IEnumerator> jobs)
    {
        using var loop = new EventLoop();                           // the real clock: real time is the point here
        Coroutine worker = loop.Spawn(jobs(), "worker");
        Coroutine<List<TimeSpan>> heartbeat = loop.Spawn<List<TimeSpan>>(Heartbeat(loop.Clock, worker), "heartbeat");
        long start = loop.Clock.GetTimestamp();
        loop.Run();                                                 // returns when both have ended
        TimeSpan total = loop.Clock.GetElapsedTime(start);

        List<TimeSpan> gaps = heartbeat.Result;
        Console.WriteLine($"  {Jobs} jobs of {s_job.TotalMilliseconds} ms took {Ms(total)} ms");
        Console.WriteLine($"  heartbeat gaps (ms), {s_beat.TotalMilliseconds} wanted: {string.Join(" ", gaps.Select(Ms))}");
        return new Report(name, total, gaps.Count, gaps.Max());
    }

    // Beats every 10 ms while the worker runs, and records how long each beat really took.
    private static IEnumerator Heartbeat(TimeProvider clock, Coroutine worker)
    {
        var gaps = new List<TimeSpan>();
        long last = clock.GetTimestamp();
        while (!worker.IsEnded)
        {
            yield return Wait.For(s_beat);
            gaps.Add(clock.GetElapsedTime(last));
            last = clock.GetTimestamp();
        }

        yield return Routine.Return(gaps);
    }
    // </snippet:BlockingMeasure>

    private static void Compare(List<Report> reports)
    {
        Console.WriteLine($"  {"jobs",-14}{"total",8}{"beats",8}{"longest gap",14}");
        foreach (Report report in reports)
        {
            Console.WriteLine($"  {report.Name,-14}{Ms(report.Total),5} ms{report.Beats,8}{Ms(report.LongestGap),11} ms");
        }

        Report blocking = reports[0];
        Report waiting = reports[1];
        Console.WriteLine(
            $"  The jobs took about as long either way, but while they blocked the heartbeat beat {blocking.Beats} times " +
            $"instead of {waiting.Beats},");
        Console.WriteLine(
            $"  and its longest gap was {blocking.LongestGap / waiting.LongestGap:F1} times as long: one blocking step " +
            "holds up every coroutine on the loop.");
    }

    private static long Ms(TimeSpan time) => (long)Math.Round(time.TotalMilliseconds);

    private sealed record Report(string Name, TimeSpan Total, int Beats, TimeSpan LongestGap);
}
