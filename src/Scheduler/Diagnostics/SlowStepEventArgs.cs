namespace Scheduler;

/// <summary>Describes a step that ran longer than the loop's slow-step threshold (see <see cref="EventLoop.SlowStep"/>).</summary>
/// <remarks>
/// Each slow step is reported twice: once while it is still running (<see cref="StepEnded"/> is false, and
/// <see cref="Elapsed"/> is how long it has run so far), and once after it has ended (<see cref="StepEnded"/> is
/// true, and <see cref="Elapsed"/> is its total duration). Durations come from a watchdog thread that looks at
/// the loop periodically (every quarter of the threshold, at least every 5 ms), so they are only as precise as
/// the gap between two looks (<see cref="Precision"/>).
/// </remarks>
public sealed class SlowStepEventArgs : EventArgs
{
    internal SlowStepEventArgs(Coroutine coroutine, IReadOnlyList<string> stack, TimeSpan elapsed, TimeSpan precision, bool stepEnded)
    {
        Coroutine = coroutine;
        Stack = stack;
        Elapsed = elapsed;
        Precision = precision;
        StepEnded = stepEnded;
    }

    /// <summary>Gets the coroutine whose step is (or was) slow.</summary>
    /// <remarks>
    /// Raised on the watchdog thread: use only the members of <see cref="Scheduler.Coroutine"/> that are safe from
    /// any thread (<see cref="Coroutine.Id"/>, <see cref="Coroutine.Name"/>, <see cref="Coroutine.Cancel"/>,
    /// <see cref="object.ToString"/>). A cancel takes effect after the slow step ends, at the coroutine's next turn.
    /// </remarks>
    public Coroutine Coroutine { get; }

    /// <summary>
    /// Gets the coroutine's stack of nested routines while the step was slow, as method names, outermost (the
    /// spawned routine) first and the routine that is running last.
    /// </summary>
    /// <remarks>
    /// Read when the step was first reported; the final report repeats it. A stack deeper than 32 routines is
    /// shortened to its outermost and innermost routines around an entry such as <c>... 99,970 more ...</c>.
    /// </remarks>
    public IReadOnlyList<string> Stack { get; }

    /// <summary>Gets how long the step has run: so far while it runs, in total once it has ended.</summary>
    /// <remarks>
    /// While the step runs this is a lower bound: the step began up to <see cref="Precision"/> before the
    /// watchdog first saw it. Once it has ended this is within <see cref="Precision"/> of the true duration,
    /// either way.
    /// </remarks>
    public TimeSpan Elapsed { get; }

    /// <summary>Gets how far <see cref="Elapsed"/> may be from the true figure: the gap between the watchdog's looks around the step's start (and end).</summary>
    /// <value>About a quarter of the threshold, more when the watchdog thread was not scheduled on time.</value>
    public TimeSpan Precision { get; }

    /// <summary>Gets whether the step has ended: false in the report raised while it runs, true in the final report.</summary>
    public bool StepEnded { get; }

    /// <summary>Describes the report in one line, as the log message does.</summary>
    /// <returns>For example <c>coroutine 'worker' (#3) in Worker &gt; Poll, running for 250 ms</c>.</returns>
    public override string ToString() =>
        $"{Coroutine} in {string.Join(" > ", Stack)}, {(StepEnded ? "ran for" : "running for")} {Watchdog.Format(Elapsed)}";
}
