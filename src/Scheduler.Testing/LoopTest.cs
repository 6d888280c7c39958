using System.Collections;

namespace Scheduler.Testing;

/// <summary>
/// A test harness for routines: an <see cref="EventLoop"/> on a <see cref="VirtualClock"/> that a test drives
/// by steps, rounds or conditions, with a step budget on every open-ended run, a recorded trace of what each
/// task did in which round, and a seeded shuffle mode that finds code depending on an order the loop does not
/// promise. Kotlin's <c>runTest</c> and Trio's <c>MockClock</c>, with exact step counts.
/// </summary>
/// <remarks>
/// <para>Every driver (<see cref="Step"/>, <see cref="RunRound"/>, <see cref="RunRounds"/>,
/// <see cref="RunUntilIdle"/>, <see cref="RunUntil"/>, <see cref="RunFor"/>) runs the loop on the calling
/// thread and returns when its goal is reached. The open-ended ones take a step budget
/// (<see cref="DefaultMaxSteps"/> unless given) and fail with a <see cref="LoopTestException"/> carrying a task
/// dump instead of hanging. A coroutine that faults with nobody observing it fails the driver call it faulted
/// in (<see cref="LoopTestOptions.FailOnUnobservedFault"/>).</para>
/// <para>Time moves only when the test says so: <see cref="Advance"/>, <see cref="AdvanceToNextTimer"/>,
/// <see cref="RunFor"/>, or auto-advance (<see cref="AutoAdvance"/>) when the loop is idle.</para>
/// <para>Threading: like the loop, a <see cref="LoopTest"/> belongs to the thread that created it. No test
/// framework is needed; failures are <see cref="LoopTestException"/>s, which every framework reports.</para>
/// </remarks>
/// <example>
/// <code>
/// using var test = new LoopTest();
/// test.Spawn(Countdown(3, test.Log), "countdown");   // the routine reports through a callback
/// test.RunUntilIdle();                                // fails with a task dump after 100,000 steps
/// test.Trace.ShouldBe("""
///     1 countdown: 3
///     1 countdown: yield
///     2 countdown: 2
///     2 countdown: yield
///     3 countdown: 1
///     3 countdown: yield
///     4 countdown: end Completed
///     """);                                           // or fails with a line diff
///
/// static IEnumerator Countdown(int from, Action&lt;string&gt; say)
/// {
///     for (int n = from; n &gt; 0; n--)
///     {
///         say(n.ToString());
///         yield return null;
///     }
/// }
/// </code>
/// </example>
public sealed partial class LoopTest : IDisposable
{
    /// <summary>The step budget of the open-ended drivers when none is given: 100,000 steps.</summary>
    public const long DefaultMaxSteps = 100_000;

    private readonly bool _traceSteps;
    private readonly bool _failOnUnobservedFault;
    private readonly List<(Coroutine? Coroutine, Exception Exception)> _unobserved = [];

    // The coroutine whose step began last: what Step() returns.
    private Coroutine? _lastStepped;

    /// <summary>Creates a harness with the default options: FIFO order, time moved by hand, unobserved faults fail the test.</summary>
    public LoopTest()
        : this(new LoopTestOptions())
    {
    }

    /// <summary>Creates a harness with <paramref name="options"/>.</summary>
    /// <param name="options">The settings; read once, here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException"><see cref="LoopTestOptions.ConfigureLoop"/> changed the clock or the shuffle seed, which the kit owns.</exception>
    public LoopTest(LoopTestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _traceSteps = options.TraceSteps;
        _failOnUnobservedFault = options.FailOnUnobservedFault;
        ShuffleSeed = options.ShuffleSeed;
        Clock = new VirtualClock(options.Start) { AutoAdvance = options.AutoAdvance };

        var loopOptions = new EventLoopOptions { Clock = Clock, ShuffleSeed = options.ShuffleSeed };
        if (options.ConfigureLoop is { } configure)
        {
            configure(loopOptions);
            if (!ReferenceEquals(loopOptions.Clock, Clock) || loopOptions.ShuffleSeed != options.ShuffleSeed)
            {
                throw new ArgumentException(
                    "LoopTestOptions.ConfigureLoop must not change Clock or ShuffleSeed: the kit owns the clock (LoopTest.Clock) " +
                    "and takes the seed from LoopTestOptions.ShuffleSeed.",
                    nameof(options));
            }
        }

        Loop = new EventLoop(loopOptions);
        Loop.UnobservedFault += (_, e) => _unobserved.Add((e.Coroutine, e.Exception));
        Loop.AddObserver(new TraceRecorder(this));
    }

    /// <summary>Gets the loop under test. Use it directly for anything the harness does not wrap.</summary>
    public EventLoop Loop { get; }

    /// <summary>Gets the loop's virtual clock.</summary>
    public VirtualClock Clock { get; }

    /// <summary>Gets the shuffle seed the loop runs with, or null for FIFO order.</summary>
    public int? ShuffleSeed { get; }

    /// <summary>Gets the live trace: every step outcome (unless <see cref="LoopTestOptions.TraceSteps"/> is off) and every <see cref="Log"/> line.</summary>
    public LoopTrace Trace { get; } = new();

    /// <summary>Gets or sets whether the idle loop jumps the clock to its next timer (the clock's <see cref="VirtualClock.AutoAdvance"/>).</summary>
    /// <value>Starts as <see cref="LoopTestOptions.AutoAdvance"/>.</value>
    public bool AutoAdvance
    {
        get => Clock.AutoAdvance;
        set => Clock.AutoAdvance = value;
    }

    /// <summary>Gets how far virtual time has moved since the harness was created.</summary>
    public TimeSpan Elapsed => Clock.Elapsed;

    /// <summary>Starts <paramref name="routine"/> on the loop, as <see cref="EventLoop.Spawn(IEnumerator, string?)"/> does.</summary>
    /// <remarks>Spawned between rounds, it runs in the next round; spawned in the middle of a round left by <see cref="Step"/>, in the round after.</remarks>
    /// <param name="routine">The routine.</param>
    /// <param name="name">The name the trace and the failure messages use; unnamed coroutines appear as <c>#</c> and their id.</param>
    /// <returns>The coroutine.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="routine"/> is already running on this loop.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public Coroutine Spawn(IEnumerator routine, string? name = null) => Loop.Spawn(routine, name);

    /// <summary>Starts <paramref name="routine"/> as a coroutine that returns a <typeparamref name="T"/> (see <see cref="EventLoop.Spawn{T}"/>).</summary>
    /// <typeparam name="T">The type of the value the routine returns with <c>Routine.Return</c>.</typeparam>
    /// <param name="routine">The routine.</param>
    /// <param name="name">The name the trace and the failure messages use.</param>
    /// <returns>The typed coroutine.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="routine"/> is already running on this loop.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public Coroutine<T> Spawn<T>(IEnumerator routine, string? name = null) => Loop.Spawn<T>(routine, name);

    /// <summary>Writes a line to the trace: from inside a step it is attributed to the running coroutine, otherwise to <c>test</c>.</summary>
    /// <remarks>The entry's round is the loop's <see cref="EventLoop.TickCount"/>. A line break in <paramref name="message"/> is written as <c>\n</c>, so one call is one line.</remarks>
    /// <param name="message">The line.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public void Log(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Coroutine? current = Loop.Current;
        string line = message.ReplaceLineEndings("\\n");
        Trace.Add(new TraceEntry(Loop.TickCount, current is null ? "test" : TaskName(current), TraceEventKind.Log, line));
    }

    /// <summary>Disposes the loop: every live coroutine is disposed, so its <c>finally</c> blocks run, in spawn order.</summary>
    public void Dispose() => Loop.Dispose();

    /// <summary>How a coroutine appears in traces: its name, or <c>#</c> and its id.</summary>
    internal static string TaskName(Coroutine coroutine) => coroutine.Name ?? $"#{coroutine.Id}";

    private void OnBeforeStep(Coroutine coroutine) => _lastStepped = coroutine;

    private void OnAfterStep(Coroutine coroutine)
    {
        if (_traceSteps)
        {
            (TraceEventKind kind, string text) = DescribeOutcome(coroutine);
            Trace.Add(new TraceEntry(Loop.TickCount, TaskName(coroutine), kind, text));
        }
    }

    private static (TraceEventKind Kind, string Text) DescribeOutcome(Coroutine coroutine)
    {
        switch (coroutine.State)
        {
            case CoroutineState.Completed:
            case CoroutineState.Canceled:
                return (TraceEventKind.End, $"end {coroutine.State}");
            case CoroutineState.Faulted:
                Exception? error = coroutine.Exception;
                return (TraceEventKind.End, $"end Faulted ({error?.GetType().Name}: {FirstLine(error?.Message)})");
        }

        // Observers must not throw: describing what was yielded calls ToString on library waits (a channel write
        // shows its item), so a failure there is written into the trace instead.
        try
        {
            return coroutine._frame?.Current switch
            {
                null => (TraceEventKind.Yield, "yield"),
                Coroutine joined => (TraceEventKind.Wait, $"wait join {TaskName(joined)}"),
                WaitCondition wait => (TraceEventKind.Wait, $"wait {wait}"),
                Task => (TraceEventKind.Wait, "wait Task"),
                object other => (TraceEventKind.Wait, $"wait {other.GetType().Name}"),
            };
        }
        catch (Exception ex)
        {
            return (TraceEventKind.Wait, $"wait ? (describing it threw {ex.GetType().Name})");
        }
    }

    private static string FirstLine(string? text)
    {
        if (text is null)
        {
            return "";
        }

        int end = text.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? text : text[..end];
    }

    private sealed class TraceRecorder(LoopTest test) : StepObserver
    {
        public override void BeforeStep(Coroutine coroutine) => test.OnBeforeStep(coroutine);

        public override void AfterStep(Coroutine coroutine) => test.OnAfterStep(coroutine);
    }
}
