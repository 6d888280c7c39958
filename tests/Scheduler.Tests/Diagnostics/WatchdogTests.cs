using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// The blocking watchdog: a step that runs past <see cref="EventLoopOptions.SlowStepThreshold"/> is reported while
/// it runs (once) and again when it ends, with its coroutine, its stack and how long it ran. Real time cannot be
/// avoided here, so each test is short and bounded: a step blocks on an event until the test has seen what it
/// waits for, and every wait has a safety net that turns a hang into a failure. No assertion rests on how long
/// something took, only on order and on bounds the watchdog guarantees by construction.
/// </summary>
public class WatchdogTests
{
    /// <summary>Only for handshakes that would otherwise hang a broken build; never an oracle.</summary>
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan s_threshold = TimeSpan.FromMilliseconds(20);

    private static readonly string[] s_workerStack = ["Worker", "Poll"];

    [Test]
    public void SlowStep_StepBlocksPastThreshold_ReportedOnceWhileRunningAndOnceWhenItEnds()
    {
        var logger = new CollectingLogger();
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold, Name = "watched" }, logger);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var reported = new ManualResetEventSlim();
        using var ended = new ManualResetEventSlim();
        var reports = new List<(SlowStepEventArgs Report, bool AfterRelease)>();
        bool released = false;
        object? reportedBy = null;
        loop.SlowStep += (sender, e) =>
        {
            lock (reports)
            {
                reports.Add((e, Volatile.Read(ref released)));
                reportedBy = sender;
            }

            (e.StepEnded ? ended : reported).Set();
        };

        Coroutine worker = loop.Spawn(Worker(entered, release), "worker");
        Task run = loop.RunAsync();
        Assert.That(reported.Wait(s_safetyNet), Is.True, "no report while the step blocked");
        Assert.That(loop.SlowStepCount, Is.EqualTo(1));

        // Keep the step stuck for a few more looks: it must not be reported again.
        WaitForLooks(3);
        Volatile.Write(ref released, true);
        release.Set();
        Assert.That(run.Wait(s_safetyNet), Is.True, "Run did not return");
        Assert.That(ended.Wait(s_safetyNet), Is.True, "no final report after the step ended");

        Assert.That(reports, Has.Count.EqualTo(2));
        (SlowStepEventArgs running, bool runningAfterRelease) = reports[0];
        (SlowStepEventArgs final, bool finalAfterRelease) = reports[1];
        Assert.Multiple(() =>
        {
            Assert.That(reportedBy, Is.SameAs(loop));
            Assert.That(running.StepEnded, Is.False);
            Assert.That(runningAfterRelease, Is.False);
            Assert.That(running.Coroutine, Is.SameAs(worker));
            Assert.That(running.Stack, Is.EqualTo(s_workerStack));
            Assert.That(running.Elapsed, Is.GreaterThanOrEqualTo(s_threshold));
            Assert.That(running.ToString(), Does.StartWith("coroutine 'worker' (#1) in Worker > Poll, running for "));

            Assert.That(final.StepEnded, Is.True);
            Assert.That(finalAfterRelease, Is.True);
            Assert.That(final.Coroutine, Is.SameAs(worker));
            Assert.That(final.Stack, Is.EqualTo(running.Stack));
            Assert.That(final.Elapsed, Is.GreaterThanOrEqualTo(running.Elapsed));
            Assert.That(final.Precision, Is.GreaterThan(TimeSpan.Zero));
            Assert.That(loop.SlowStepCount, Is.EqualTo(1));
        });

        LogEntry[] watchdogLogs = [.. logger.Entries.Where(static e => e.EventId.Id is >= 10 and <= 19)];
        Assert.That(watchdogLogs.Select(static e => (e.EventId.Id, e.Level)), Is.EqualTo(new[] { (10, LogLevel.Warning), (11, LogLevel.Warning) }));
        Assert.That(watchdogLogs[0].Message, Does.StartWith("coroutine 'worker' (#1) has been running one step for "));
        Assert.That(watchdogLogs[0].Message, Does.EndWith("blocks loop watched (threshold 20 ms); stack: Worker > Poll"));
        Assert.That(watchdogLogs[1].Message, Does.StartWith("The slow step of coroutine 'worker' (#1) on loop watched ended after "));
        Assert.That(watchdogLogs[1].Message, Does.EndWith("; stack: Worker > Poll"));
    }

    [Test]
    public void SlowStep_TwoStuckSteps_EachReportedOnce()
    {
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold });
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var reported = new SemaphoreSlim(0);
        var stuck = new List<Coroutine>();
        loop.SlowStep += (_, e) =>
        {
            if (!e.StepEnded)
            {
                lock (stuck)
                {
                    stuck.Add(e.Coroutine);
                }

                reported.Release();
            }
        };

        using var entered2 = new ManualResetEventSlim();
        using var release2 = new ManualResetEventSlim();
        Coroutine first = loop.Spawn(Worker(entered, release), "first");
        Coroutine second = loop.Spawn(Poll(entered2, release2), "second");
        Task run = loop.RunAsync();
        Assert.That(reported.Wait(s_safetyNet), Is.True);
        release2.Set();
        Assert.That(reported.Wait(s_safetyNet), Is.True);
        release.Set();
        Assert.That(run.Wait(s_safetyNet), Is.True);

        Assert.That(stuck, Is.EqualTo(new[] { second, first }), "the second coroutine's first step blocks before the first one's second step");
        Assert.That(loop.SlowStepCount, Is.EqualTo(2));
    }

    [Test]
    public void SlowStep_ShortSteps_NothingReported()
    {
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = TimeSpan.FromMilliseconds(200) });
        int reports = 0;
        loop.SlowStep += (_, _) => Interlocked.Increment(ref reports);
        long looksAtStart = Watchdog.LookCount;
        long deadline = TimeProvider.System.GetTimestamp();
        for (int i = 0; i < 100; i++)
        {
            loop.Spawn(YieldUntilWatchdogLooked(looksAtStart + 3, deadline));
        }

        loop.Run();

        Assert.That(Watchdog.LookCount, Is.GreaterThanOrEqualTo(looksAtStart + 3), "the watchdog did not look while Run ran");
        Assert.That(reports, Is.Zero);
        Assert.That(loop.SlowStepCount, Is.Zero);
    }

    [Test]
    public void SlowStep_InfiniteThreshold_LoopIsNotWatched()
    {
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = Timeout.InfiniteTimeSpan });
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int reports = 0;
        loop.SlowStep += (_, _) => Interlocked.Increment(ref reports);

        loop.Spawn(Worker(entered, release), "worker");
        Task run = loop.RunAsync();
        Assert.That(entered.Wait(s_safetyNet), Is.True);
        bool watched = loop.IsWatchedByWatchdog;
        string? description = loop.DescribeRunningStep();
        release.Set();
        Assert.That(run.Wait(s_safetyNet), Is.True);

        Assert.That(watched, Is.False);
        Assert.That(description, Is.EqualTo("coroutine 'worker' (#1) in Worker > Poll"), "no duration without the watchdog");
        Assert.That(reports, Is.Zero);
        Assert.That(loop.SlowStepCount, Is.Zero);
    }

    [Test]
    public void Run_FiniteThreshold_WatchedOnlyWhileRunDrives()
    {
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold });
        bool watchedInStep = false;
        loop.Spawn(Check());
        Assert.That(loop.IsWatchedByWatchdog, Is.False);
        loop.Run();
        Assert.That(watchedInStep, Is.True);
        Assert.That(loop.IsWatchedByWatchdog, Is.False);

        loop.Spawn(Check());
        loop.RunUntilIdle();
        Assert.That(watchedInStep, Is.False, "RunUntilIdle does not attach the watchdog");

        IEnumerator Check()
        {
            watchedInStep = loop.IsWatchedByWatchdog;
            yield break;
        }
    }

    [Test]
    public void DescribeRunningStep_FromAnotherThreadDuringBlockedStep_NamesCoroutineStackAndDuration()
    {
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold });
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var reported = new ManualResetEventSlim();
        loop.SlowStep += (_, e) => reported.Set();

        loop.Spawn(Worker(entered, release), "worker");
        Assert.That(loop.DescribeRunningStep(), Is.Null, "before any step");
        Task run = loop.RunAsync();
        Assert.That(reported.Wait(s_safetyNet), Is.True);
        string? during = loop.DescribeRunningStep();
        release.Set();
        Assert.That(run.Wait(s_safetyNet), Is.True);

        Assert.That(during, Does.Match(@"^coroutine 'worker' \(#1\) in Worker > Poll, running for \d+ ms$"));
        Assert.That(loop.DescribeRunningStep(), Is.Null, "after the loop stopped");
    }

    [Test]
    public void DescribeRunningStep_OnTheLoopThreadInsideAStep_DescribesThatStep()
    {
        using var loop = new EventLoop(new VirtualClock());
        string? inside = null;
        loop.Spawn(Outer(), "tick-driven");
        loop.RunUntilIdle();

        Assert.That(inside, Is.EqualTo("coroutine 'tick-driven' (#1) in Outer > Inner"));
        Assert.That(loop.DescribeRunningStep(), Is.Null);

        IEnumerator Outer()
        {
            yield return null;
            yield return Inner();
        }

        IEnumerator Inner()
        {
            inside = loop.DescribeRunningStep();
            yield break;
        }
    }

    [Test]
    public void SlowStep_HandlerThrows_LoggedAndOtherHandlersStillRun()
    {
        var logger = new CollectingLogger();
        using var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold, Name = "throwing" }, logger);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var ended = new ManualResetEventSlim();
        loop.SlowStep += (_, _) => throw new InvalidOperationException("handler bug");
        loop.SlowStep += (_, e) =>
        {
            if (e.StepEnded)
            {
                ended.Set();
            }
            else
            {
                release.Set();
            }
        };

        loop.Spawn(Worker(entered, release), "worker");
        Task run = loop.RunAsync();
        Assert.That(run.Wait(s_safetyNet), Is.True);
        Assert.That(ended.Wait(s_safetyNet), Is.True);

        LogEntry[] handlerFaults = [.. logger.Entries.Where(static e => e.EventId.Id == 12)];
        Assert.That(handlerFaults, Has.Length.EqualTo(2), "one for each report");
        Assert.That(handlerFaults, Has.All.Property(nameof(LogEntry.Level)).EqualTo(LogLevel.Error));
        Assert.That(handlerFaults[0].Exception, Has.Message.EqualTo("handler bug"));
        Assert.That(handlerFaults[0].Message, Does.Contain("throwing"));
    }

    [Test]
    public void CaptureStack_DeepDelegationChain_ShowsOutermostAndInnermostRoutines()
    {
        using var loop = new EventLoop(new VirtualClock());
        string[]? stack = null;
        loop.Spawn(Nest(100), "deep");
        loop.RunUntilIdle();

        Assert.That(stack, Is.Not.Null);
        Assert.That(stack, Has.Length.EqualTo(32));
        Assert.That(stack![..8], Has.All.EqualTo("Nest"));
        Assert.That(stack[8], Is.EqualTo("... 70 more ..."));
        Assert.That(stack[9..^1], Has.All.EqualTo("Nest"));
        Assert.That(stack[^1], Is.EqualTo("Bottom"));

        IEnumerator Nest(int depth)
        {
            yield return depth > 1 ? Nest(depth - 1) : Bottom();
        }

        IEnumerator Bottom()
        {
            stack = EventLoop.CaptureStack(loop.Current!);
            yield break;
        }
    }

    [Test]
    public void Watchdog_NoLoopAttached_DoesNotLook()
    {
        using (var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold }))
        {
            loop.Spawn(Yields(3));
            loop.Run();
        }

        Assert.That(SpinWait.SpinUntil(static () => Watchdog.WatchedCount == 0, s_safetyNet), Is.True, "the detached loop was not dropped");
        long looks = Watchdog.LookCount;
        using var never = new ManualResetEventSlim();
        never.Wait(TimeSpan.FromMilliseconds(50)); // ten periods of a 20 ms threshold
        Assert.That(Watchdog.LookCount, Is.LessThanOrEqualTo(looks + 1), "the watchdog polls with no loop attached");
    }

    [Test]
    public void Run_LoopDroppedAfterRun_IsNotKeptAliveByWatchdogOrMetrics()
    {
        WeakReference dropped = RunAndDropLoop();
        Assert.That(SpinWait.SpinUntil(static () => Watchdog.WatchedCount == 0, s_safetyNet), Is.True, "the detached loop was not dropped");

        // In a Debug build the watchdog thread's stack can still hold the dropped loop until its next wake-up
        // (up to 250 ms; an optimized build lets it go at once): collect until it is gone, within the safety
        // net. A real leak never goes.
        bool collected = SpinWait.SpinUntil(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return !dropped.IsAlive;
            },
            s_safetyNet);

        Assert.That(collected, Is.True, "the loop is kept alive");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunAndDropLoop()
    {
        var loop = new EventLoop(new EventLoopOptions { SlowStepThreshold = s_threshold });
        loop.Spawn(Yields(3));
        loop.Run();
        return new WeakReference(loop);
    }

    private static void WaitForLooks(int looks)
    {
        long target = Watchdog.LookCount + looks;
        Assert.That(SpinWait.SpinUntil(() => Watchdog.LookCount >= target, s_safetyNet), Is.True, "the watchdog stopped looking");
    }

    private static IEnumerator Worker(ManualResetEventSlim entered, ManualResetEventSlim release)
    {
        yield return null;
        yield return Poll(entered, release);
    }

    private static IEnumerator Poll(ManualResetEventSlim entered, ManualResetEventSlim release)
    {
        entered.Set();
        release.Wait(s_safetyNet); // the blocking step under test
        yield break;
    }

    private static IEnumerator Yields(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator YieldUntilWatchdogLooked(long looks, long startedAt)
    {
        while (Watchdog.LookCount < looks && TimeProvider.System.GetElapsedTime(startedAt) < s_safetyNet)
        {
            yield return null;
        }
    }
}
