using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Scheduler.Benchmarks.Quick;

/// <summary>
/// The clock the step timings use: the calling thread's CPU time where the OS offers it (Linux,
/// <c>CLOCK_THREAD_CPUTIME_ID</c>), else the wall clock.
/// </summary>
/// <remarks>
/// The timed code is single-threaded, never blocks and never sleeps, so on a quiet machine its CPU time equals its
/// wall time. On a busy machine (other builds, tests, benchmarks on the same cores) the wall clock also counts the
/// time the thread waited for a core, which lands on whichever contender happened to be running; CPU time does
/// not. Cache and SMT-sibling interference still count, so a quiet machine is still the best place to measure.
/// </remarks>
internal static partial class ThreadClock
{
    private const int ClockThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    public static bool IsThreadCpuTime { get; } = Probe();

    public static string Description => IsThreadCpuTime
        ? "thread CPU time (CLOCK_THREAD_CPUTIME_ID)"
        : "wall clock (Stopwatch)";

    /// <summary>Now, in nanoseconds, on the chosen clock.</summary>
    public static long NowNanoseconds()
    {
        if (IsThreadCpuTime && ClockGetTime(ClockThreadCpuTimeId, out TimeSpec now) == 0)
        {
            return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
        }

        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
