using System.Collections;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scheduler;

// Design note
// ===========
// One loop, one thread, many coroutines. A coroutine is an IEnumerator plus the stack of routines it delegates
// to; a step calls MoveNext on its running frame until it yields a wait or ends.
//
// A round (Tick) has three phases, and every ordering guarantee rests on them:
//   (a) run a snapshot of the inbox (posts, spawns and cancels from other threads); posts that arrive during
//       the round wait for the next one, so a callback that re-posts itself cannot starve the coroutines;
//   (b) fire due round-waits and timers in (due, order set) order, then poll predicate waits in the order they
//       began; each fired waiter is appended to the ready queue;
//   (c) step exactly the coroutines that were ready when (c) began, FIFO. Whatever becomes ready during (c)
//       (a spawn, a wake, a requeue) is behind that snapshot, so it runs in a later round, in the order it
//       became ready. Nothing walks the queue while it changes: (c) only dequeues a counted number of times.
//
// Invariants:
//   - A coroutine is in exactly one place: the ready queue, one wait source (timer heap, round heap,
//     predicate list, a joiners list, a composite), running, or nowhere because it has ended.
//   - Waking never runs user code: a waker only moves the waiter to the ready queue. Faults and cancellations
//     are delivered as a pending end that the coroutine's own next turn carries out (a disposal step).
//   - The loop never disposes an iterator inside its MoveNext: a coroutine that cancels itself is disposed
//     after its MoveNext returns.
//   - Parked coroutines cost nothing per round; only predicate waits are polled.
//   - Only the inbox is shared between threads; everything else belongs to the loop's thread.

/// <summary>
/// Runs many coroutines on one thread by cooperation: a FIFO ready queue of iterator-based tasks, stepped in
/// rounds, with timers, joins and predicate waits that never block the thread.
/// </summary>
/// <remarks>
/// <para>A round (<see cref="Tick"/>) runs (a) what other threads posted, (b) due timers and predicate waits,
/// (c) one step of every coroutine that was ready when (c) began, in FIFO order. A coroutine that yields runs
/// again only after every other ready coroutine had its turn.</para>
/// <para>Threading: <see cref="Spawn(IEnumerator, string?)"/>, <see cref="Post"/> and
/// <see cref="Coroutine.Cancel"/> are safe from any thread. Everything else belongs to the loop's thread: the
/// thread running a driver (<see cref="Tick"/>, <see cref="RunUntilIdle()"/>, <see cref="Run"/>,
/// <see cref="RunUntilComplete(Coroutine)"/>) or, when none runs, the thread that created the loop or last ran a
/// driver. A call from another thread, or a driver called from inside a step, throws
/// <see cref="InvalidOperationException"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
/// loop.Spawn(Countdown(3));
/// loop.RunUntilIdle();          // prints 3 2 1 in four steps
///
/// static IEnumerator Countdown(int n)
/// {
///     for (; n > 0; n--)
///     {
///         Console.WriteLine(n);
///         yield return Wait.For(TimeSpan.FromSeconds(1));
///     }
/// }
/// </code>
/// </example>
[DebuggerDisplay("EventLoop: {LiveCountForDebugger} live, {StepCount} steps, {TickCount} rounds")]
public sealed partial class EventLoop : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly long _clockOrigin;
    private readonly EventLoopOptions _options;
    private readonly ILogger _logger;

    private readonly ReadyQueue _ready = new();
    private readonly TimerHeap _timers = new();       // due: clock ticks since the loop was created
    private readonly TimerHeap _roundTimers = new();  // due: a round number (TickCount)
    private readonly PredicateList _predicates = new();

    // Live coroutines by root routine: the registry Dispose walks, and the check that an iterator is not
    // started twice. Delegated child frames are tracked too, for the same check one level down.
    private readonly Dictionary<IEnumerator, Coroutine> _live = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<IEnumerator> _delegated = new(ReferenceEqualityComparer.Instance);

    // Extras of ended coroutines, for reuse (see CoroutineExtras). Bounded, so a burst of joins does not pin
    // its peak memory forever: 65,536 entries of each are a few megabytes.
    private const int ExtrasPoolLimit = 65_536;
    private readonly Stack<CoroutineExtras> _extrasPool = new();
    private readonly Stack<WaiterList> _waiterListPool = new();

    private long _timerSequence;
    private long _nextId;
    private long _stepCount;
    private long _tickCount;
    private long _faultCount;

    // Steps of the current round still to run after RunOneStep paused it; the other drivers finish them first.
    private int _roundRemaining;

    // Step observers (logging scopes, timeline, test traces); empty on the fast path. Copy-on-write.
    private StepObserver[] _observers = [];

    // Shuffle mode (EventLoopOptions.ShuffleSeed): permutes each round's ready coroutines. Null: FIFO.
    private readonly Random? _shuffle;

    // The coroutine Dispose is disposing; during rounds the running coroutine is read from the ready queue.
    private Coroutine? _disposing;

    /// <summary>Creates a loop on the real clock (<see cref="TimeProvider.System"/>).</summary>
    public EventLoop()
        : this(new EventLoopOptions())
    {
    }

    /// <summary>Creates a loop on <paramref name="clock"/>: pass a <see cref="VirtualClock"/> for deterministic tests.</summary>
    /// <param name="clock">The clock for timers.</param>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> is null.</exception>
    public EventLoop(TimeProvider clock)
        : this(new EventLoopOptions { Clock = clock ?? throw new ArgumentNullException(nameof(clock)) })
    {
    }

    /// <summary>Creates a loop with <paramref name="options"/>, logging through <paramref name="logger"/>.</summary>
    /// <param name="options">The settings; read once, here.</param>
    /// <param name="logger">Where unobserved faults are logged at Error; overrides <see cref="EventLoopOptions.Logger"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or its clock is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The predicate poll interval is not positive.</exception>
    public EventLoop(EventLoopOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Clock, "options.Clock");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PredicatePollInterval, TimeSpan.Zero, "options.PredicatePollInterval");
        if (options.SlowStepThreshold <= TimeSpan.Zero && options.SlowStepThreshold != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                "options.SlowStepThreshold", options.SlowStepThreshold, "The slow-step threshold must be positive, or Timeout.InfiniteTimeSpan to turn the watchdog off.");
        }

        _options = options;
        _clock = options.Clock;
        _clockOrigin = _clock.GetTimestamp();
        _logger = logger ?? options.Logger ?? NullLogger.Instance;
        _homeThreadId = Environment.CurrentManagedThreadId;
        _shuffle = options.ShuffleSeed is int seed ? new Random(seed) : null;
        Name = options.Name ?? "event-loop";
        if (options.LogScopes)
        {
            AddObserver(new LogScopeObserver(_logger));
        }

        SchedulerMetrics.Register(this); // weakly: the metrics never keep a loop alive (Diagnostics/SchedulerMetrics.cs)
    }

    /// <summary>Raised on the loop thread, once per faulted coroutine, when a coroutine faults and nobody observes it.</summary>
    /// <remarks>
    /// A fault is observed when the coroutine has a joiner at the moment it ends. Otherwise it is logged at Error
    /// and raised here, never dropped and never twice for the same coroutine. (A coroutine that joins it later
    /// faults with the same exception instance and, if nobody observes that coroutine either, is reported in
    /// its own right.) Also raised for a <c>finally</c> block that throws while a
    /// faulting stack unwinds, and (with a null coroutine) for a posted callback that throws. A handler that
    /// throws is logged and does not disturb the loop.
    /// </remarks>
    public event EventHandler<UnobservedFaultEventArgs>? UnobservedFault;

    /// <summary>Gets the loop's name (<see cref="EventLoopOptions.Name"/>, or <c>event-loop</c>).</summary>
    public string Name { get; }

    /// <summary>Gets how many coroutines have ended faulted, observed or not. Safe to read from any thread.</summary>
    public long FaultCount => Volatile.Read(ref _faultCount);

    /// <summary>Gets the clock the loop's timers run on.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>Gets how many steps the loop has run, counting disposal turns. Safe to read from any thread.</summary>
    public long StepCount => Volatile.Read(ref _stepCount);

    /// <summary>Gets how many rounds have started: during round r it reads r. Safe to read from any thread.</summary>
    public long TickCount => Volatile.Read(ref _tickCount);

    /// <summary>Gets the coroutine whose step is running, or null between steps. Loop thread only.</summary>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public Coroutine? Current
    {
        get
        {
            CheckAccess();
            return CurrentCoroutine;
        }
    }

    /// <summary>Gets how many coroutines have been started and have not ended. Loop thread only.</summary>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public int LiveCount
    {
        get
        {
            CheckAccess();
            return _live.Count;
        }
    }

    /// <summary>Gets how many coroutines are in the ready queue. Loop thread only.</summary>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public int ReadyCount
    {
        get
        {
            CheckAccess();
            return _ready.Count;
        }
    }

    /// <summary>Gets how many timers are pending (<see cref="Wait.For"/> and <see cref="Wait.Ticks"/> of 2 or more). Loop thread only.</summary>
    /// <remarks>A canceled or fired wait leaves no timer behind; infinite waits hold none.</remarks>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public int PendingTimerCount
    {
        get
        {
            CheckAccess();
            return _timers.Count + _roundTimers.Count;
        }
    }

    /// <summary>Gets how many predicate waits are polled each round. Loop thread only.</summary>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public int PendingPredicateCount
    {
        get
        {
            CheckAccess();
            return _predicates.Count;
        }
    }

    internal Coroutine? CurrentCoroutine => _ready.Running ?? _disposing;

    private int LiveCountForDebugger => _live.Count;

    /// <summary>Starts <paramref name="routine"/> as a new coroutine; none of its body runs until its first step.</summary>
    /// <remarks>
    /// From the loop's thread the coroutine joins the ready queue at once: spawned before a round, it runs in
    /// that round; spawned during a step, it runs in the next round. From any other thread the spawn goes
    /// through the inbox and the coroutine is queued at the start of the next round.
    /// </remarks>
    /// <param name="routine">The routine: an iterator method's result or any hand-written <see cref="IEnumerator"/>.</param>
    /// <param name="name">A name for logs, dumps and error messages.</param>
    /// <returns>The coroutine's handle.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="routine"/> is already running on this loop (an iterator can run in one place only). From another thread this is reported as the coroutine's fault instead.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public Coroutine Spawn(IEnumerator routine, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(routine);
        return Admit(new Coroutine(this, routine, Interlocked.Increment(ref _nextId), name));
    }

    /// <summary>Starts <paramref name="routine"/> as a coroutine that ends with a <typeparamref name="T"/>.</summary>
    /// <remarks>Like <see cref="Spawn(IEnumerator, string?)"/>; the routine ends with <c>yield return Routine.Return(value)</c>.</remarks>
    /// <typeparam name="T">The type of the value the routine returns.</typeparam>
    /// <param name="routine">The routine.</param>
    /// <param name="name">A name for logs, dumps and error messages.</param>
    /// <returns>The typed handle; read <see cref="Coroutine{T}.Result"/> once it has completed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="routine"/> is already running on this loop.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public Coroutine<T> Spawn<T>(IEnumerator routine, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(routine);
        return (Coroutine<T>)Admit(new Coroutine<T>(this, routine, Interlocked.Increment(ref _nextId), name));
    }

    /// <summary>Releases the loop: runs what is already in the inbox, then disposes every live coroutine.</summary>
    /// <remarks>
    /// <para>Live coroutines are disposed in spawn order, each stack innermost first, so every <c>finally</c> runs
    /// exactly once, on the calling thread, which takes the loop's thread role. Afterwards <see cref="Spawn(IEnumerator, string?)"/>,
    /// <see cref="Post"/> and the drivers throw <see cref="ObjectDisposedException"/>; a post racing Dispose either
    /// runs or throws, never vanishes. Calling Dispose again does nothing.</para>
    /// <para>Called from another thread while a driver runs (a host disposing its services while a step is
    /// stuck), Dispose does not wait and does not throw: it asks the driver to dispose the loop when it returns,
    /// and returns. <see cref="Run"/> returns at its next round boundary for that; the other drivers finish
    /// their work first. The <c>finally</c> blocks then run on the driver's thread.</para>
    /// </remarks>
    /// <exception cref="InvalidOperationException">Called from inside a step or a callback running on the loop.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        int driver = Volatile.Read(ref _driverThreadId);
        if (driver != 0 && driver != Environment.CurrentManagedThreadId)
        {
            Interlocked.Exchange(ref _disposeRequested, 1); // a full fence: pairs with the one in ExitDriver
            SignalWake();
            if (Volatile.Read(ref _driverThreadId) != 0 || Interlocked.Exchange(ref _disposeRequested, 0) == 0)
            {
                return; // the driver is still running, or it left and took the request: it disposes
            }
        }

        DisposeCore();
    }

    private void DisposeCore()
    {
        if (_disposed)
        {
            return;
        }

        EnterDriver();
        try
        {
            CloseInbox();
            RunInbox();
            foreach (Coroutine coroutine in LiveInSpawnOrder())
            {
                if (!coroutine.IsEnded)
                {
                    Unpark(coroutine);
                    coroutine._flags |= CoroutineFlags.PendingCancel;
                    _disposing = coroutine;
                    try
                    {
                        EndTurn(coroutine);
                    }
                    finally
                    {
                        _disposing = null;
                    }
                }
            }

            ReportLeftovers();
        }
        finally
        {
            ExitDriver();
            _wakeTimer?.Dispose();
            _alarm?.Dispose();
        }
    }

    /// <summary>Requests cancellation of every live coroutine, as <see cref="Coroutine.Cancel"/> does for one.</summary>
    /// <remarks>
    /// What hosts call at shutdown: each coroutine's stack is disposed at its next turn, so every <c>finally</c>
    /// runs on the loop thread while a driver keeps running rounds. Coroutines are canceled in spawn order.
    /// Coroutines spawned after the call are not affected. Safe from any thread: from another thread the
    /// request is posted and applied at the start of the next round.
    /// </remarks>
    /// <returns>How many coroutines this call canceled; 0 when called from another thread (the count is not known yet).</returns>
    /// <exception cref="ObjectDisposedException">Called from another thread after the loop was disposed.</exception>
    public int CancelAll()
    {
        if (!IsLoopThread)
        {
            Post(() => CancelAll());
            return 0;
        }

        int canceled = 0;
        foreach (Coroutine coroutine in LiveInSpawnOrder())
        {
            canceled += coroutine.Cancel() ? 1 : 0;
        }

        return canceled;
    }

    /// <summary>Reports, once every coroutine is disposed, what the loop still held (items buffered in channels).</summary>
    partial void ReportLeftovers();

    /// <summary>A copy of the live coroutines, oldest first: safe to walk while they end.</summary>
    private List<Coroutine> LiveInSpawnOrder()
    {
        var live = new List<Coroutine>(_live.Values);
        live.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return live;
    }

    /// <summary>Registers a step observer; the first registered is outermost. Loop thread only.</summary>
    internal void AddObserver(StepObserver observer) => _observers = [.. _observers, observer];

    /// <summary>Removes a step observer registered with <see cref="AddObserver"/>. Loop thread only.</summary>
    internal void RemoveObserver(StepObserver observer) =>
        _observers = Array.FindAll(_observers, o => !ReferenceEquals(o, observer));

    /// <summary>Describes a routine by its method name: <c>Countdown</c> rather than <c>&lt;Countdown&gt;d__3</c>.</summary>
    internal static string DescribeRoutine(IEnumerator routine)
    {
        // Compiler names: "<Method>d__3" for an iterator method, "<<Outer>g__Local|2_0>d" for a local function.
        string name = routine.GetType().Name;
        int local = name.IndexOf("g__", StringComparison.Ordinal);
        if (local >= 0)
        {
            int start = local + 3;
            int end = name.IndexOfAny(['|', '>'], start);
            return end > start ? name[start..end] : name;
        }

        int close = name.IndexOf('>', StringComparison.Ordinal);
        return name.StartsWith('<') && close > 1 ? name[1..close] : name;
    }

    private Coroutine Admit(Coroutine coroutine)
    {
        if (IsLoopThread)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Start(coroutine, throwOnError: true);
        }
        else
        {
            PostToInbox(new InboxItem(InboxKind.Spawn, coroutine));
        }

        return coroutine;
    }

    /// <summary>Registers a new coroutine and queues its first step.</summary>
    /// <remarks>One hash operation on the registry: the lookup that refuses an iterator already running is the insert.</remarks>
    private void Start(Coroutine coroutine, bool throwOnError)
    {
        IEnumerator routine = coroutine._frame!;
        ref Coroutine? registered = ref CollectionsMarshal.GetValueRefOrAddDefault(_live, routine, out bool running);
        if (!running && (_delegated.Count == 0 || !_delegated.Contains(routine)))
        {
            registered = coroutine;
            coroutine._spawnedAt = _clock.GetTimestamp();
            _ready.Enqueue(coroutine);
            return;
        }

        string owner = running ? registered!.ToString() : "another coroutine (as a delegated routine)";
        if (!running)
        {
            _live.Remove(routine); // undo the insert: the iterator runs as a delegated frame elsewhere
        }

        var error = new InvalidOperationException(
            $"Cannot start {coroutine}: its routine {DescribeRoutine(routine)} is already running in {owner}. " +
            "An iterator can run in one place only; call the iterator method again for a fresh one.");
        if (throwOnError)
        {
            throw error;
        }

        // Spawned from another thread: the caller is gone, so the error becomes the coroutine's fault.
        coroutine._frame = null;
        End(coroutine, CoroutineState.Faulted, error, routine);
    }
}
