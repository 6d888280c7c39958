using System.Collections;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Scheduler;

/// <summary>
/// A task on an <see cref="EventLoop"/>: one routine (an <see cref="IEnumerator"/>) and the stack of routines it
/// delegates to, stepped by the loop until it ends. Returned by <see cref="EventLoop.Spawn(IEnumerator, string?)"/>.
/// </summary>
/// <remarks>
/// <para>Yielding a coroutine from another routine joins it, like <c>await</c>: the joiner resumes after the
/// coroutine ends (joiners wake in the order they joined); it inherits a fault (the same exception instance) or a
/// cancellation. <see cref="Wait.Settled(Coroutine)"/> joins without inheriting either.</para>
/// <para>Threading: <see cref="Cancel"/> is safe from any thread. The other members read state that the loop
/// thread writes; from another thread they may be stale, but never torn.</para>
/// </remarks>
/// <example>
/// <code>
/// var loop = new EventLoop();
/// Coroutine worker = loop.Spawn(Work(), "worker");
/// loop.Spawn(WaitFor(worker));
/// loop.RunUntilIdle();
///
/// IEnumerator WaitFor(Coroutine other)
/// {
///     yield return other;                    // join: resumes when 'worker' has ended
///     Console.WriteLine(other.State);        // Completed
/// }
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}: {State}, {Steps} steps")]
public partial class Coroutine : WaitCondition, IWaiter
{
    // Fields are laid out for a plain task to stay at 80 bytes; rarely used state lives in _extras.

    /// <summary>The running frame: the routine whose MoveNext the next step calls. Null once ended.</summary>
    internal IEnumerator? _frame;
    internal readonly EventLoop _loop;
    internal CoroutineExtras? _extras;

    /// <summary>
    /// While the coroutine waits, the <see cref="WaiterList"/> or <see cref="CompositeWaiter"/> it is parked on;
    /// once a wait has woken it with a grant (<see cref="CoroutineFlags.HoldsGrant"/>), that grant, until its next
    /// turn takes it. A coroutine is never both parked and holding a grant, so one field serves both.
    /// </summary>
    /// <remarks>
    /// A field rather than part of the extras: every task parked on a signal, a channel or a join needs it, and
    /// 8 bytes here cost less than renting the extras (about 100 bytes) and reaching through them on every hand-off.
    /// </remarks>
    private object? _parkedOnOrGrant;
    private readonly long _id;
    internal long _steps;

    /// <summary>The loop clock's timestamp when the coroutine started (was admitted to the loop), for its age in dumps.</summary>
    internal long _spawnedAt;
    private int _slot;
    internal CoroutineState _state;
    private ParkKind _parkKind;
    internal CoroutineFlags _flags;

    // Claimed by the first Cancel (from any thread) so that exactly one call returns true.
    private byte _cancelClaimed;

    internal Coroutine(EventLoop loop, IEnumerator routine, long id, string? name)
    {
        _loop = loop;
        _frame = routine;
        _id = id;
        if (name is not null)
        {
            Extras.Name = name;
        }
    }

    /// <summary>Gets the loop-wide number of this coroutine: 1 for the first spawned, then 2, 3, ...</summary>
    public long Id => _id;

    /// <summary>Gets the name given at spawn, or null.</summary>
    public string? Name => _extras?.Name;

    /// <summary>Gets the loop this coroutine runs on.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets where the coroutine is in its life.</summary>
    public CoroutineState State => _state;

    /// <summary>Gets whether the coroutine has ended: completed, faulted or canceled.</summary>
    public bool IsEnded => _state >= CoroutineState.Completed;

    /// <summary>Gets how many steps the coroutine has run, counting a final disposal turn.</summary>
    public long Steps => _steps;

    /// <summary>Gets the exception that faulted the coroutine, exactly as thrown, or null.</summary>
    public Exception? Exception => _state == CoroutineState.Faulted ? _extras?.Exception : null;

    /// <summary>Gets the value the routine returned with <see cref="Routine.Return{T}(T)"/>, boxed; null when it returned none.</summary>
    /// <exception cref="InvalidOperationException">The coroutine has not completed yet.</exception>
    /// <exception cref="OperationCanceledException">The coroutine was canceled.</exception>
    /// <remarks>When the coroutine faulted, reading the result rethrows its exception, with its original stack trace.</remarks>
    public object? Result
    {
        get
        {
            ThrowUnlessCompleted();
            return _extras?.Returned?.BoxedValue;
        }
    }

    /// <summary>The extras, created if needed; safe from any thread (it never touches the loop's pool).</summary>
    internal CoroutineExtras Extras => _extras ??= new CoroutineExtras();

    /// <summary>The extras, rented from the loop's pool if needed. Loop thread only.</summary>
    internal CoroutineExtras LoopExtras => _extras ??= _loop.RentExtras();

    ParkKind IWaiter.ParkKind
    {
        get => _parkKind;
        set => _parkKind = value;
    }

    int IWaiter.Slot
    {
        get => _slot;
        set => _slot = value;
    }

    object? IWaiter.ParkedOn
    {
        get => (_flags & CoroutineFlags.HoldsGrant) == 0 ? _parkedOnOrGrant : null;
        set => _parkedOnOrGrant = value;
    }

    /// <summary>Requests cancellation: the coroutine's stack is disposed, innermost first, and it ends canceled.</summary>
    /// <remarks>
    /// No user code runs on the spot. A waiting coroutine is unlinked from its wait and queued at once; its next
    /// turn (a step) disposes its stack, running each <c>finally</c> exactly once on the loop thread. A queued
    /// coroutine keeps its place and that turn becomes the disposal. A coroutine that cancels itself is disposed
    /// at the end of its current step and ends canceled even if that step returned. Safe from any thread: from
    /// another thread the cancellation is posted to the loop's inbox and applied at the start of the next round.
    /// </remarks>
    /// <returns>True the first time it is called on a coroutine that has not ended; false otherwise.</returns>
    public bool Cancel()
    {
        if (IsEnded || Interlocked.CompareExchange(ref _cancelClaimed, 1, 0) != 0)
        {
            return false;
        }

        _loop.RequestCancel(this);
        return true;
    }

    /// <summary>Describes the coroutine for messages and logs: its name or routine, and its id.</summary>
    /// <returns>For example <c>coroutine 'worker' (#3)</c> or <c>coroutine #3 (Countdown)</c>.</returns>
    public override string ToString() => Describe(RootFrame);

    /// <summary>Describes the coroutine, naming <paramref name="root"/> when it has no name of its own.</summary>
    internal string Describe(IEnumerator? root) => Name is { } name
        ? $"coroutine '{name}' (#{_id})"
        : root is null ? $"coroutine #{_id}" : $"coroutine #{_id} ({EventLoop.DescribeRoutine(root)})";

    /// <summary>The root routine (the one spawned), or null once the coroutine has ended.</summary>
    internal IEnumerator? RootFrame => _extras?.Stack is { Count: > 0 } stack ? stack[0] : _frame;

    /// <summary>
    /// Checks the value the routine (<paramref name="root"/>) ended with, before the coroutine completes. The
    /// typed subclass faults a coroutine whose value is missing or of the wrong type.
    /// </summary>
    internal virtual Exception? CheckResult(ReturnValue? returned, IEnumerator root) => null;

    /// <summary>Throws unless the coroutine completed: its fault as thrown, a cancellation, or "not ended yet".</summary>
    internal void ThrowUnlessCompleted()
    {
        switch (_state)
        {
            case CoroutineState.Completed:
                return;
            case CoroutineState.Faulted:
                ExceptionDispatchInfo.Throw(_extras!.Exception!);
                return;
            case CoroutineState.Canceled:
                throw new OperationCanceledException($"{this} was canceled.");
            default:
                throw new InvalidOperationException($"{this} has not ended yet; its state is {_state}.");
        }
    }

    internal override void Park(EventLoop loop, IWaiter waiter)
    {
        if (!ReferenceEquals(loop, _loop))
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine} cannot join {this}: it belongs to another event loop.");
        }

        if (ReferenceEquals(waiter, this) || ReferenceEquals(loop.CurrentCoroutine, this))
        {
            throw new InvalidOperationException($"{this} cannot join itself: it would wait forever.");
        }

        if (IsEnded)
        {
            waiter.Wake(loop, this, null);
            return;
        }

        (LoopExtras.Joiners ??= loop.RentWaiterList()).Add(waiter);
    }

    void IWaiter.Wake(EventLoop loop, Coroutine? joined, Exception? error)
    {
        bool inherits = (_flags & CoroutineFlags.SettledJoin) == 0;
        _flags &= ~CoroutineFlags.SettledJoin;
        _parkKind = ParkKind.None;
        _parkedOnOrGrant = null;

        if (error is not null)
        {
            EventLoop.SetPendingFault(this, error);
        }
        else if (inherits && joined is not null)
        {
            if (joined._state == CoroutineState.Faulted)
            {
                EventLoop.SetPendingFault(this, joined._extras!.Exception!);
            }
            else if (joined._state == CoroutineState.Canceled)
            {
                _flags |= CoroutineFlags.PendingCancel;
            }
        }

        loop.MakeReady(this);
    }

    void IWaiter.WakeWithGrant(EventLoop loop, IPendingGrant grant)
    {
        ((IWaiter)this).Wake(loop, null, null); // unparked now: the field is free for the grant
        _parkedOnOrGrant = grant;
        _flags |= CoroutineFlags.HoldsGrant;
    }

    /// <summary>Takes the grant the coroutine holds (<see cref="CoroutineFlags.HoldsGrant"/> must be set). Loop thread only.</summary>
    internal IPendingGrant TakeGrant()
    {
        var grant = (IPendingGrant)_parkedOnOrGrant!;
        _parkedOnOrGrant = null;
        _flags &= ~CoroutineFlags.HoldsGrant;
        return grant;
    }
}
