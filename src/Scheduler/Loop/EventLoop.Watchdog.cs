using System.Collections;
using System.Globalization;

namespace Scheduler;

// The blocking watchdog's side of the loop (Diagnostics/Watchdog.cs has the design note), and what the metrics
// read (Diagnostics/SchedulerMetrics.cs). Nothing here runs per step: the watchdog reads StepCount and the
// running slot the loop keeps anyway, and the metrics read counters the loop keeps anyway.
public sealed partial class EventLoop
{
    // A stack deeper than this is shown as its outermost and innermost routines around a "... n more ..." entry.
    private const int StackHead = 8;
    private const int StackTail = 23;

    // Set while Run drives with the watchdog on; read by DescribeRunningStep on any thread.
    private volatile Watchdog.WatchedLoop? _watched;
    private long _slowStepCount;

    // Set while Run drives: only then is a posted probe sure to run soon (see MeasureLag).
    private volatile bool _runDriving;

    // The loop-lag probe: the TimeProvider.System timestamp at which the pending probe was posted (0: none
    // pending), and how long, in timestamp ticks, the last probe waited before it ran (-1: none has run).
    private long _lagProbePostedAt;
    private long _lastLagTicks = -1;
    private Action? _lagProbe;

    /// <summary>
    /// Raised on the watchdog thread when a step has run longer than <see cref="EventLoopOptions.SlowStepThreshold"/>,
    /// while it is still running, and once more when that step ends (<see cref="SlowStepEventArgs.StepEnded"/>).
    /// </summary>
    /// <remarks>
    /// <para>The watchdog watches only while <see cref="Run"/> (or <see cref="RunAsync"/>) drives the loop and the
    /// threshold is finite. It looks at the loop every quarter of the threshold (5 ms to 250 ms), so a step is
    /// reported between one and one and a quarter thresholds after it began (later if the machine is
    /// overloaded), and durations are as precise as <see cref="SlowStepEventArgs.Precision"/>. Each slow step is
    /// reported once while it runs and once when it ends; both reports are also logged at Warning (event ids 10
    /// and 11).</para>
    /// <para>Handlers run on the watchdog thread, which watches every loop of the process, while the loop thread
    /// is still inside the slow step: keep them short, do not block, and use only members that are safe from any
    /// thread (<see cref="Post"/>, <see cref="DescribeRunningStep"/>, <see cref="Coroutine.Cancel"/>). A handler that
    /// throws is logged (event id 12) and does not stop the watchdog or the other handlers.</para>
    /// <para>The final report of a step that ended as <see cref="Run"/> returned comes at the watchdog's next
    /// look, which <see cref="Run"/> triggers on its way out: it may arrive just after <see cref="Run"/> has
    /// returned, and the loop may be disposed by then.</para>
    /// </remarks>
    public event EventHandler<SlowStepEventArgs>? SlowStep;

    /// <summary>Gets how many steps the watchdog has reported as slow (each counted once, when first reported). Safe to read from any thread.</summary>
    public long SlowStepCount => Volatile.Read(ref _slowStepCount);

    /// <summary>
    /// Describes the step running right now, from any thread: the coroutine, its stack of nested routines
    /// (outermost first) and, when the watchdog watches the loop, how long the step has run; or null between
    /// steps.
    /// </summary>
    /// <remarks>
    /// <para>For hosts and debugging tools that must say what blocks a loop, for example a host whose shutdown
    /// waits for a step that does not end. Safe from any thread, including the loop's own (from inside a step it
    /// describes that step).</para>
    /// <para>It reads what the loop thread is changing, without stopping it. A step that blocks is not changing,
    /// so it is described exactly; on a loop that runs millions of short steps a second the answer is one of the
    /// steps that ran during the call. The duration is shown only while <see cref="Run"/> drives with the
    /// watchdog on (see <see cref="SlowStep"/>): it is counted from the watchdog's first look at the step, so it
    /// may fall short by a quarter of the threshold.</para>
    /// </remarks>
    /// <returns>For example <c>coroutine 'worker' (#3) in Worker &gt; Poll, running for 1.2 s</c>; null when no step runs.</returns>
    public string? DescribeRunningStep()
    {
        string? text = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long step = StepCount;
            Coroutine? running = ReadRunningCoroutine();
            if (running is null)
            {
                return null;
            }

            string[]? stack = CaptureStack(running);
            if (stack is null)
            {
                continue; // the step ended while its stack was read
            }

            text = $"{running} in {string.Join(" > ", stack)}";
            if (_watched?.Current is { } seen && seen.Step == step && ReferenceEquals(seen.Coroutine, running))
            {
                text += $", running for {Watchdog.Format(TimeProvider.System.GetElapsedTime(seen.FirstSeen))}";
            }

            if (StepCount == step && ReferenceEquals(ReadRunningCoroutine(), running))
            {
                return text;
            }
        }

        return text;
    }

    /// <summary>The running coroutine (or the one Dispose is disposing), read from any thread; null between steps.</summary>
    /// <remarks>
    /// A racy read (see the design note in Diagnostics/Watchdog.cs). While the ready queue grows under a running
    /// coroutine, its slot index and array can be read from two different moments; that read is discarded.
    /// </remarks>
    internal Coroutine? ReadRunningCoroutine()
    {
        try
        {
            return CurrentCoroutine;
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// The names of <paramref name="coroutine"/>'s routines, outermost first, or null when the stack changed while
    /// it was read (from another thread the stack is stable only while the coroutine's step blocks).
    /// </summary>
    internal static string[]? CaptureStack(Coroutine coroutine)
    {
        try
        {
            IEnumerator? top = coroutine._frame;
            FrameStack? parents = coroutine._extras?.Stack;
            int depth = parents?.Count ?? 0;
            int total = depth + (top is null ? 0 : 1);
            var names = new List<string>(Math.Min(total, StackHead + 1 + StackTail));
            for (int i = 0; i < total; i++)
            {
                if (total > StackHead + 1 + StackTail && i == StackHead)
                {
                    int skipped = total - StackHead - StackTail;
                    names.Add(string.Create(CultureInfo.InvariantCulture, $"... {skipped:N0} more ..."));
                    i += skipped - 1;
                    continue;
                }

                names.Add(DescribeRoutine(i < depth ? parents![i] : top!));
            }

            return [.. names];
        }
        catch (Exception ex) when (ex is NullReferenceException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Counts (when first reported), logs and raises a slow-step report. Watchdog thread; never throws.</summary>
    internal void ReportSlowStep(SlowStepEventArgs report)
    {
        string stack = string.Join(" > ", report.Stack);
        try
        {
            if (report.StepEnded)
            {
                Log.SlowStepEnded(_logger, report.Coroutine.ToString(), Name, (long)report.Elapsed.TotalMilliseconds, (long)report.Precision.TotalMilliseconds, stack);
            }
            else
            {
                Interlocked.Increment(ref _slowStepCount);
                Log.SlowStep(_logger, report.Coroutine.ToString(), (long)report.Elapsed.TotalMilliseconds, Name, (long)_options.SlowStepThreshold.TotalMilliseconds, stack);
            }
        }
        catch (Exception ex)
        {
            ReportWatchdogFault(ex); // a logger that throws must not stop the event
        }

        EventHandler<SlowStepEventArgs>? handlers = SlowStep;
        if (handlers is null)
        {
            return;
        }

        foreach (EventHandler<SlowStepEventArgs> handler in handlers.GetInvocationList().Cast<EventHandler<SlowStepEventArgs>>())
        {
            try
            {
                handler(this, report);
            }
            catch (Exception ex)
            {
                try
                {
                    Log.SlowStepHandlerFault(_logger, Name, ex);
                }
                catch (Exception)
                {
                    // The logger throws too: nothing is left to tell, and the watchdog must go on.
                }
            }
        }
    }

    /// <summary>Logs a failure of the watchdog itself (a bug); never throws.</summary>
    internal void ReportWatchdogFault(Exception exception)
    {
        try
        {
            Log.WatchdogFault(_logger, Name, exception);
        }
        catch (Exception)
        {
            // The logger throws: nothing is left to tell, and the watchdog must go on.
        }
    }

    /// <summary>
    /// Loop lag for the metrics, from any thread: how long the last probe callback posted to the inbox waited
    /// before the loop ran it, or, when the pending probe has already waited longer, that wait so far. Posts a
    /// new probe when none is pending. Measured only while <see cref="Run"/> drives: null otherwise, and null
    /// until a probe has run or the pending one has waited.
    /// </summary>
    internal TimeSpan? MeasureLag()
    {
        if (!_runDriving || _disposed)
        {
            return null;
        }

        long now = TimeProvider.System.GetTimestamp();
        long posted = Volatile.Read(ref _lagProbePostedAt);
        if (posted == 0 && Interlocked.CompareExchange(ref _lagProbePostedAt, now, 0) == 0)
        {
            try
            {
                Post(_lagProbe ??= RunLagProbe);
            }
            catch (ObjectDisposedException)
            {
                Volatile.Write(ref _lagProbePostedAt, 0);
            }
        }

        long last = Volatile.Read(ref _lastLagTicks);
        long waiting = posted == 0 ? -1 : now - posted;
        long lag = Math.Max(last, waiting);
        return lag < 0 ? null : TimeSpan.FromSeconds((double)lag / TimeProvider.System.TimestampFrequency);
    }

    /// <summary>The probe: runs on the loop thread in phase (a) of a round.</summary>
    private void RunLagProbe()
    {
        long posted = Volatile.Read(ref _lagProbePostedAt);
        if (posted != 0)
        {
            Volatile.Write(ref _lastLagTicks, TimeProvider.System.GetTimestamp() - posted);
            Volatile.Write(ref _lagProbePostedAt, 0);
        }
    }

    /// <summary>Live coroutines, read from any thread for the metrics: a racy read of a count, never torn.</summary>
    internal int LiveCountForMetrics => _live.Count;

    /// <summary>Ready coroutines, read from any thread for the metrics: a racy read of a count, never torn.</summary>
    internal int ReadyCountForMetrics => _ready.Count;

    /// <summary>Whether the watchdog watches the loop right now (Run drives it and the threshold is finite).</summary>
    internal bool IsWatchedByWatchdog => _watched is not null;

    /// <summary>Whether the loop has been disposed, for the metrics, which then forget it.</summary>
    internal bool IsDisposedForMetrics => _disposed;

    partial void AttachWatchdog()
    {
        // A probe left pending by an earlier Run has been waiting for a driver, not for this one: restart its wait.
        long pending = Volatile.Read(ref _lagProbePostedAt);
        if (pending != 0)
        {
            Interlocked.CompareExchange(ref _lagProbePostedAt, TimeProvider.System.GetTimestamp(), pending);
        }

        Volatile.Write(ref _lastLagTicks, -1);
        _runDriving = true;
        if (_options.SlowStepThreshold != Timeout.InfiniteTimeSpan)
        {
            try
            {
                _watched = Watchdog.Attach(this, _options.SlowStepThreshold);
            }
            catch (Exception ex)
            {
                ReportWatchdogFault(ex); // the watchdog thread could not start: Run goes on, unwatched
            }
        }
    }

    partial void DetachWatchdog()
    {
        _runDriving = false;
        if (_watched is { } watched)
        {
            _watched = null;
            Watchdog.Detach(watched);
        }
    }
}
