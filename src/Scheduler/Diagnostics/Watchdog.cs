using System.Globalization;
using System.Runtime.CompilerServices;

namespace Scheduler;

// Design note: the blocking watchdog
// ==================================
// A step costs a few nanoseconds and a precise clock read costs about four steps, so the loop never times a
// step. It already publishes, for free, what a watcher needs: StepCount (incremented by every step) and the
// coroutine being stepped (the ready queue's running slot, null between steps). One shared background thread
// looks at every loop that Run drives, every quarter of its threshold (5 ms to 250 ms), and keeps per loop the
// last (step number, coroutine) it saw and when it first saw it, on its own clock reads. A step is stuck when
// the same step number is seen with the same coroutine for at least the threshold: it is reported once while
// it still runs, and once more, with its total duration, at the first look that finds it ended.
//
// Precision: a step began between the look before it was first seen and that first look, and ended between
// the last look that saw it and the look that found it over; every duration is within one gap of the truth.
//
// Benign races: the loop thread writes StepCount and the running slot with plain stores while this thread
// reads them. A reference or a long read is atomic on the 64-bit runtimes .NET supports, so the worst a read
// gets is a slightly stale value: a step seen late, or the coroutine of the step about to begin paired with the
// number of the step just ended (the next look sees the new number and starts over). A stuck step is not
// moving, so what matters (the same number and coroutine seen across looks that span the threshold) is read
// exactly. Reading a coroutine's stack races with the loop only when the step ends meanwhile; the read is
// guarded (an exception or a changed step discards it and the next look tries again) and never throws into the
// loop, which this thread never writes to. Reports run on this thread: log messages and the SlowStep event.
//
// Lifetime: the thread starts with the first attached loop and sleeps on an event, without timeout, whenever
// no loop is attached. An attached loop is one inside Run, whose own stack keeps it alive; Run's finally
// detaches it, and this thread drops it at its next look, so neither a disposed nor an unreferenced loop is
// kept alive. Tick, RunUntilIdle and the other drivers never attach: tests pay nothing.
internal static partial class Watchdog
{
    private static readonly TimeSpan s_minPeriod = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan s_maxPeriod = TimeSpan.FromMilliseconds(250);

    private static readonly Lock s_gate = new();
    private static readonly AutoResetEvent s_wake = new(initialState: false);

    // Copy-on-write under s_gate; the watchdog thread reads the array it finds.
    private static WatchedLoop[] s_watched = [];
    private static Thread? s_thread;
    private static long s_looks;

    /// <summary>How many times the watchdog thread has looked at its loops: lets tests wait for looks, not time.</summary>
    internal static long LookCount => Volatile.Read(ref s_looks);

    /// <summary>How often a loop with <paramref name="threshold"/> is looked at.</summary>
    public static TimeSpan PeriodFor(TimeSpan threshold)
    {
        TimeSpan quarter = threshold / 4;
        return quarter < s_minPeriod ? s_minPeriod : quarter > s_maxPeriod ? s_maxPeriod : quarter;
    }

    /// <summary>Starts watching <paramref name="loop"/>; the caller is its driver, inside Run.</summary>
    public static WatchedLoop Attach(EventLoop loop, TimeSpan threshold)
    {
        var watched = new WatchedLoop(loop, threshold, PeriodFor(threshold));
        lock (s_gate)
        {
            if (s_thread is null)
            {
                var thread = new Thread(WatchLoops) { IsBackground = true, Name = "Scheduler watchdog" };
                // UnsafeStart: the thread serves every loop, so it must not inherit the first caller's
                // ExecutionContext (its AsyncLocals, a logging scope). If this throws, nothing is attached.
                thread.UnsafeStart();
                s_thread = thread;
            }

            s_watched = [.. s_watched, watched];
        }

        s_wake.Set();
        return watched;
    }

    /// <summary>Stops watching; a slow step still open gets its final report at the watchdog's next look, made at once.</summary>
    public static void Detach(WatchedLoop watched)
    {
        watched.Detached = true;
        s_wake.Set();
    }

    /// <summary>A duration for people: <c>250 ms</c>, <c>1.2 s</c>.</summary>
    public static string Format(TimeSpan duration) => duration < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalMilliseconds} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s");

    /// <summary>How many loops are watched, detached ones not yet dropped included (for tests).</summary>
    internal static int WatchedCount => Volatile.Read(ref s_watched).Length;

    private static void WatchLoops()
    {
        while (true)
        {
            if (Volatile.Read(ref s_watched).Length == 0)
            {
                s_wake.WaitOne();
                continue;
            }

            s_wake.WaitOne(LookAll());
        }
    }

    /// <summary>
    /// Looks at every watched loop once; returns how long to wait until the next look. Not inlined, so that the
    /// waiting frame above holds no reference to a loop that has detached.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TimeSpan LookAll()
    {
        long now = TimeProvider.System.GetTimestamp();
        TimeSpan period = s_maxPeriod;
        bool anyFinished = false;
        foreach (WatchedLoop loop in Volatile.Read(ref s_watched))
        {
            if (loop.Look(now))
            {
                period = loop.Period < period ? loop.Period : period;
            }
            else
            {
                anyFinished = true;
            }
        }

        if (anyFinished)
        {
            lock (s_gate)
            {
                s_watched = Array.FindAll(s_watched, static w => !w.Finished);
            }
        }

        Interlocked.Increment(ref s_looks);
        return period;
    }
}
