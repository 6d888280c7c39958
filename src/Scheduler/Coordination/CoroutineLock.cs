using System.Collections;

namespace Scheduler;

/// <summary>
/// A mutual-exclusion lock held by one coroutine at a time, handed out first come, first served. Named so that
/// it does not clash with <see cref="System.Threading.Lock"/>, which the implicit <c>using System.Threading;</c>
/// brings into every file, and because what holds it is a coroutine, not a thread.
/// </summary>
/// <remarks>
/// <para>Acquire it with <c>yield return gate.Acquire();</c> and release it in a <c>finally</c>, so that a fault
/// or a cancel releases it too (C# allows <c>yield return</c> inside <c>try</c>/<c>finally</c>):</para>
/// <code>
/// yield return gate.Acquire();
/// try { ... } finally { gate.Release(); }
/// </code>
/// <para>or let <see cref="WithLock"/> write that pattern. Acquiring always ends the step: the coroutine runs
/// again next round at the earliest, holding the lock from that turn on, and <see cref="Owner"/> names it.</para>
/// <para><b>FIFO, no barging.</b> <see cref="Release"/> hands the lock straight to the oldest waiter, which runs
/// next round; <see cref="TryAcquire"/> cannot take it in between, and the releaser itself queues behind the
/// waiters if it acquires again. If the waiter it was handed to ends before it runs, the lock passes to the next
/// waiter, or becomes free.</para>
/// <para><b>Errors.</b> The lock is not re-entrant: the owner acquiring it again faults (or, for
/// <see cref="TryAcquire"/>, throws) with <see cref="InvalidOperationException"/>, since waiting for itself would
/// hang. Releasing a lock the current coroutine does not hold throws <see cref="InvalidOperationException"/>.</para>
/// <para><b>Abandonment.</b> If the owner ends (completes, faults or is canceled) without releasing, the lock is
/// abandoned for good: every waiter faults with a <see cref="LockAbandonedException"/> that names the owner and
/// carries its fault as the inner exception, and so does every later acquire. Nothing hangs. Waiters are told
/// in the round the owner ends and fault in the next. An abandoned lock stays unusable because whatever it
/// guarded may be half-updated; create a new one to start over.</para>
/// <para>Threading: loop thread only, except <see cref="Acquire"/> and the properties, which are safe from any
/// thread (values may be stale there). A lock belongs to the loop it was created for.</para>
/// </remarks>
public sealed class CoroutineLock
{
    private readonly EventLoop _loop;
    private readonly string? _name;
    private readonly WaiterList _waiters;
    private readonly LockWait _wait;
    private readonly LockGrant _grant;
    private readonly OwnerWatch _watch;

    private Coroutine? _owner;      // the holder, from its first turn with the lock; may have ended (abandoned)
    private bool _handedOver;       // given to a woken waiter that has not run yet
    private LockAbandonedException? _abandoned;

    /// <summary>Creates a lock bound to <paramref name="loop"/>.</summary>
    /// <param name="loop">The loop whose coroutines use the lock.</param>
    /// <param name="name">A name for messages and <see cref="ToString"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    public CoroutineLock(EventLoop loop, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
        _name = name;
        _waiters = new WaiterList(this);
        _wait = new LockWait(this);
        _grant = new LockGrant(this);
        _watch = new OwnerWatch(this);
    }

    /// <summary>Gets the loop the lock belongs to.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the name given at creation, or null.</summary>
    public string? Name => _name;

    /// <summary>Gets the coroutine that holds the lock, or null when it is free or handed to a waiter that has not run yet.</summary>
    /// <remarks>After abandonment, the coroutine that ended holding it. Safe to read from any thread; may be stale there.</remarks>
    public Coroutine? Owner => _owner;

    /// <summary>Gets whether the lock is taken: held by <see cref="Owner"/>, handed to a waiter, or abandoned.</summary>
    /// <remarks>Safe to read from any thread; may be stale there.</remarks>
    public bool IsHeld => _owner is not null || _handedOver;

    /// <summary>Gets whether the owner ended without releasing the lock, which makes every acquire fault.</summary>
    /// <remarks>Safe to read from any thread; may be stale there.</remarks>
    public bool IsAbandoned => _abandoned is not null || _owner is { IsEnded: true };

    /// <summary>Gets how many waits are parked on the lock (a branch of <c>Wait.Any</c>/<c>Wait.All</c> counts as one).</summary>
    /// <remarks>Safe to read from any thread; may be stale there.</remarks>
    public int WaiterCount => _waiters.Count;

    /// <summary>Gets the wait that resumes holding the lock; yield it from a coroutine.</summary>
    /// <remarks>
    /// Always the same cached instance. A free lock is taken at once and the coroutine runs next round;
    /// otherwise it queues behind the current waiters. The coroutine that runs with the grant becomes
    /// <see cref="Owner"/>. Yielding it faults the coroutine with <see cref="InvalidOperationException"/> when it
    /// already holds the lock or belongs to another loop, and with <see cref="LockAbandonedException"/> when the
    /// lock is abandoned (waiters fault in the round after the owner ends). It may be a child of
    /// <see cref="Wait.Any"/> (a timeout, say): when another child fires first the registration is removed, and a
    /// lock handed to the losing branch passes on. Safe to call from any thread.
    /// </remarks>
    /// <returns>The lock's wait.</returns>
    public WaitCondition Acquire() => _wait;

    /// <summary>Takes the lock for the running coroutine without waiting, if it is free.</summary>
    /// <remarks>
    /// Must be called from inside a coroutine's step, since the lock records which coroutine holds it. Fails
    /// while the lock is held or handed to a waiter; free implies nobody waits, so it never overtakes one.
    /// </remarks>
    /// <returns>True when the running coroutine now holds the lock and must <see cref="Release"/> it.</returns>
    /// <exception cref="InvalidOperationException">Called outside a coroutine's step, by the coroutine that already holds the lock, or from a thread that does not own the loop.</exception>
    /// <exception cref="LockAbandonedException">The lock was abandoned by an owner that ended without releasing it.</exception>
    public bool TryAcquire()
    {
        LoopAffinity.CheckThread(_loop, this, nameof(TryAcquire));
        Coroutine current = _loop.CurrentCoroutine ?? throw new InvalidOperationException(
            $"TryAcquire on {this} must be called from a coroutine's step: the lock records the coroutine that holds it.");
        CheckUsable(current);
        if (IsHeld)
        {
            return false;
        }

        _owner = current;
        return true;
    }

    /// <summary>Releases the lock held by the running coroutine, handing it to the oldest waiter, if any.</summary>
    /// <remarks>
    /// The waiter it is handed to runs next round and becomes the owner then. Call it from the owner's step,
    /// typically in a <c>finally</c> (which also runs when the owner is canceled or faults, or when the loop is
    /// disposed).
    /// </remarks>
    /// <exception cref="InvalidOperationException">The running coroutine does not hold the lock (it is free, held by another coroutine, or called outside a step), or called from a thread that does not own the loop.</exception>
    public void Release()
    {
        LoopAffinity.CheckThread(_loop, this, nameof(Release));
        Coroutine? current = _loop.CurrentCoroutine;
        if (current is null || !ReferenceEquals(current, _owner))
        {
            throw new InvalidOperationException(
                $"{current?.ToString() ?? "Code outside a coroutine's step"} cannot release {this}: {DescribeHolder()}. " +
                "Only the coroutine that acquired the lock can release it, once.");
        }

        _loop.Unpark(_watch);
        _owner = null;
        HandOnOrFree();
    }

    /// <summary>Runs <paramref name="body"/> holding the lock: acquires it, delegates to the body, releases it when the body ends.</summary>
    /// <remarks>
    /// Yield the result from a coroutine: <c>yield return gate.WithLock(Update());</c>. The body runs in the same
    /// coroutine (delegation), and the lock is released however it ends (completed, faulted or canceled), from a
    /// <c>finally</c>; a coroutine canceled while it still waits holds nothing to release. Allocates one small
    /// iterator per call; for zero allocation write the pattern out (see <see cref="CoroutineLock"/>).
    /// </remarks>
    /// <param name="body">The routine to run while holding the lock.</param>
    /// <returns>A routine to yield (delegate to).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public IEnumerator WithLock(IEnumerator body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return WithLockCore(body);
    }

    /// <summary>Describes the lock for messages.</summary>
    /// <returns>For example <c>lock 'accounts'</c>.</returns>
    public override string ToString() => LoopAffinity.Describe("lock", _name);

    private IEnumerator WithLockCore(IEnumerator body)
    {
        yield return _wait;
        try
        {
            yield return body;
        }
        finally
        {
            Release();
        }
    }

    private string DescribeHolder() =>
        _abandoned is not null || _owner is { IsEnded: true } ? $"it was abandoned by {_owner}, which ended without releasing it"
        : _owner is not null ? $"it is held by {_owner}"
        : _handedOver ? "it has been handed to a waiter that has not run yet"
        : "it is not held";

    /// <summary>Throws for an abandoned lock or a re-entrant acquire by <paramref name="current"/>.</summary>
    private void CheckUsable(Coroutine current)
    {
        if (AbandonIfOwnerEnded() is { } abandoned)
        {
            throw new LockAbandonedException(abandoned.Message, abandoned.Owner, abandoned.InnerException);
        }

        if (ReferenceEquals(current, _owner))
        {
            throw Reentered(current);
        }
    }

    private InvalidOperationException Reentered(Coroutine current) => new(
        $"{current} already holds {this}; the lock is not re-entrant, so acquiring it again would wait forever.");

    /// <summary>
    /// Notices an owner that ended without releasing (when nobody waited, nothing watched it end) and returns
    /// the abandonment, or null while the lock is usable.
    /// </summary>
    private LockAbandonedException? AbandonIfOwnerEnded()
    {
        if (_abandoned is null && _owner is { IsEnded: true } owner)
        {
            Abandon(owner);
        }

        return _abandoned;
    }

    private void Abandon(Coroutine owner)
    {
        string how = owner.State switch
        {
            CoroutineState.Faulted => "faulted",
            CoroutineState.Canceled => "was canceled",
            _ => "completed",
        };
        _abandoned = new LockAbandonedException(
            $"{this} was abandoned: its owner, {owner}, {how} without releasing it. Whatever the lock guarded may be " +
            "half-updated, so the lock stays unusable; release it in a finally block (or use WithLock) so that it is released however the owner ends.",
            owner,
            owner.Exception);
        while (_waiters.TakeFirst() is { } waiter)
        {
            waiter.Wake(_loop, null, _abandoned);
        }
    }

    /// <summary>The lock goes to the oldest waiter (who owns it from its next turn), or becomes free.</summary>
    private void HandOnOrFree()
    {
        if (_waiters.TakeFirst() is { } waiter)
        {
            _handedOver = true;
            waiter.WakeWithGrant(_loop, _grant);
        }
    }

    private void Park(EventLoop loop, IWaiter waiter)
    {
        LoopAffinity.CheckSameLoop(_loop, loop, this);
        if (AbandonIfOwnerEnded() is { } abandoned)
        {
            waiter.Wake(loop, null, abandoned); // faults next round, like the waiters that were told
            return;
        }

        if (loop.CurrentCoroutine is { } current && ReferenceEquals(current, _owner))
        {
            throw Reentered(current);
        }

        if (IsHeld)
        {
            _waiters.Add(waiter);
            WatchOwner();
            return;
        }

        _handedOver = true;
        waiter.WakeWithGrant(loop, _grant); // declined if the coroutine ends before its turn
    }

    /// <summary>
    /// While coroutines wait, the owner is watched, so that its end without a release wakes them. The watch is an
    /// end-watcher (see EventLoop.WatchEnd), not a joiner: it does not count as observing the owner's fault, so
    /// an owner that faults holding the lock is still reported if nobody else observes it.
    /// </summary>
    private void WatchOwner()
    {
        if (_owner is null || _waiters.Count == 0 || _watch.ParkKind != ParkKind.None)
        {
            return;
        }

        _loop.WatchEnd(_owner, _watch);
    }

    private void OnGrantAccepted(Coroutine coroutine)
    {
        _handedOver = false;
        _owner = coroutine;
        WatchOwner();
    }

    private void OnGrantDeclined()
    {
        _handedOver = false;
        HandOnOrFree();
    }

    private sealed class LockWait(CoroutineLock gate) : WaitCondition
    {
        internal override void Park(EventLoop loop, IWaiter waiter) => gate.Park(loop, waiter);

        public override string ToString() => $"{gate}.Acquire()";
    }

    // The lock handed to a woken waiter: the coroutine that runs with it becomes the owner.
    private sealed class LockGrant(CoroutineLock gate) : IPendingGrant
    {
        public void Accept(Coroutine coroutine) => gate.OnGrantAccepted(coroutine);

        public void Decline(EventLoop loop, Coroutine coroutine) => gate.OnGrantDeclined();
    }

    // Watches the owner's end while coroutines wait; woken when the owner ends, which only happens
    // here if it ended still holding the lock (Release takes the watch out first).
    private sealed class OwnerWatch(CoroutineLock gate) : IWaiter
    {
        public ParkKind ParkKind { get; set; }

        public int Slot { get; set; }

        public object? ParkedOn { get; set; }

        public void Wake(EventLoop loop, Coroutine? joined, Exception? error)
        {
            ParkKind = ParkKind.None;
            ParkedOn = null;
            if (joined is not null && ReferenceEquals(joined, gate._owner) && gate._abandoned is null)
            {
                gate.Abandon(joined);
            }
        }

        public void WakeWithGrant(EventLoop loop, IPendingGrant grant) => Wake(loop, null, null);
    }
}
