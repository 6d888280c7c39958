namespace Scheduler;

/// <summary>
/// An event that coroutines wait for: manual-reset (once set, it releases every waiter until it is reset) or
/// auto-reset (each set releases exactly one waiter, then the signal is clear again).
/// </summary>
/// <remarks>
/// <para>A coroutine waits with <c>yield return signal.Wait()</c>. Waiters wake in the order they started
/// waiting, and a woken waiter runs in the round after the one that set the signal. Waiting on a signal that is
/// already set still ends the step: the coroutine runs again next round.</para>
/// <para><b>Auto-reset.</b> A <see cref="Set"/> with waiters hands the signal to the first of them and the
/// signal stays clear; with none, the signal stays set until one coroutine waits (or <see cref="TryWait"/>
/// takes it). If the waiter it was handed to ends before it runs (canceled, say), the set passes to the next
/// waiter, or back to the signal: a set is never lost. Sets are not counted: setting a set signal does nothing.</para>
/// <para><b>Manual-reset.</b> <see cref="Set"/> releases every current waiter and keeps the signal set, so later
/// waits resume next round, until <see cref="Reset"/>. A reset never takes back a wake-up already given.</para>
/// <para>Threading: <see cref="Set"/> and <see cref="Reset"/> are safe from any thread (from another thread they
/// are posted to the loop and take effect at the start of the next round, in the order posted).
/// <see cref="Wait"/>, <see cref="IsSet"/>, <see cref="WaiterCount"/> and the properties are safe to call from any
/// thread (counts may be stale there); <see cref="TryWait"/> belongs to the loop's thread. A signal belongs to the
/// loop it was created for: a coroutine of another loop that waits on it faults.</para>
/// <para>Allocation: <see cref="Wait"/> returns one cached wait per signal, and parking, setting and waking
/// allocate nothing, so a ping-pong between coroutines costs no memory in steady state.</para>
/// </remarks>
/// <example>
/// <code>
/// var ready = new Signal(loop, name: "ready");
/// loop.Spawn(Consumer(ready));
/// loop.Spawn(Producer(ready));
///
/// IEnumerator Consumer(Signal ready)
/// {
///     yield return ready.Wait();          // parks until the signal is set
///     Console.WriteLine("go");
/// }
///
/// IEnumerator Producer(Signal ready)
/// {
///     yield return Wait.Ticks(3);
///     ready.Set();                        // the consumer runs next round
/// }
/// </code>
/// </example>
public sealed class Signal
{
    private readonly EventLoop _loop;
    private readonly string? _name;
    private readonly bool _autoReset;
    private readonly WaiterList _waiters;
    private readonly SignalWait _wait;
    private readonly AutoResetGrant _grant;

    // Cached so that Set and Reset from another thread post without allocating a closure.
    private readonly Action _setOnLoop;
    private readonly Action _resetOnLoop;

    // Written on the loop thread only; volatile so IsSet from another thread sees a recent value.
    private volatile bool _set;

    /// <summary>Creates a signal bound to <paramref name="loop"/>.</summary>
    /// <param name="loop">The loop whose coroutines wait on the signal.</param>
    /// <param name="autoReset">True for an auto-reset signal (each set releases one waiter); false for manual-reset.</param>
    /// <param name="initiallySet">Whether the signal starts set.</param>
    /// <param name="name">A name for messages and <see cref="ToString"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    public Signal(EventLoop loop, bool autoReset = false, bool initiallySet = false, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
        _autoReset = autoReset;
        _set = initiallySet;
        _name = name;
        _waiters = new WaiterList(this);
        _wait = new SignalWait(this);
        _grant = new AutoResetGrant(this);
        _setOnLoop = SetOnLoop;
        _resetOnLoop = ResetOnLoop;
    }

    /// <summary>Gets the loop the signal belongs to.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the name given at creation, or null.</summary>
    public string? Name => _name;

    /// <summary>Gets whether each <see cref="Set"/> releases one waiter (true) or all of them (false).</summary>
    public bool IsAutoReset => _autoReset;

    /// <summary>Gets whether the signal is set: a wait on it would resume next round.</summary>
    /// <remarks>
    /// An auto-reset signal handed to a waiter is not set. From another thread the value may be stale; a
    /// <see cref="Set"/> posted from another thread shows here once the loop has run it.
    /// </remarks>
    public bool IsSet => _set;

    /// <summary>Gets how many waits are parked on the signal (a branch of <c>Wait.Any</c>/<c>Wait.All</c> counts as one).</summary>
    /// <remarks>Safe to read from any thread; may be stale there.</remarks>
    public int WaiterCount => _waiters.Count;

    /// <summary>Gets the wait that resumes once the signal is set; yield it from a coroutine.</summary>
    /// <remarks>
    /// Always the same cached instance, so waiting allocates nothing. Yielded on a set signal it still ends the
    /// step (the coroutine runs next round); an auto-reset signal is cleared by that wait. It may be a child of
    /// <see cref="Scheduler.Wait.Any"/> and <see cref="Scheduler.Wait.All"/>: when another child fires first, the
    /// registration is removed, and a set handed to a branch that loses is passed on. A coroutine of another loop
    /// that yields it faults with <see cref="InvalidOperationException"/>. Safe to call from any thread.
    /// </remarks>
    /// <returns>The signal's wait.</returns>
    public WaitCondition Wait() => _wait;

    /// <summary>Sets the signal, releasing one waiter (auto-reset) or every current waiter (manual-reset).</summary>
    /// <remarks>
    /// Released waiters run next round, in the order they waited. Auto-reset with no waiter: the signal stays set
    /// until one coroutine takes it; setting a set signal does nothing. Safe from any thread: on the loop thread
    /// it takes effect at once; from another thread it is posted and takes effect at the start of the next round
    /// (so the released waiters run in that round).
    /// </remarks>
    /// <exception cref="ObjectDisposedException">Called from another thread after the loop was disposed.</exception>
    public void Set()
    {
        if (_loop.IsLoopThread)
        {
            SetOnLoop();
        }
        else
        {
            _loop.Post(_setOnLoop);
        }
    }

    /// <summary>Clears the signal. Waiters already released stay released.</summary>
    /// <remarks>
    /// Safe from any thread: from another thread it is posted, and runs after whatever that thread posted
    /// before it.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">Called from another thread after the loop was disposed.</exception>
    public void Reset()
    {
        if (_loop.IsLoopThread)
        {
            ResetOnLoop();
        }
        else
        {
            _loop.Post(_resetOnLoop);
        }
    }

    /// <summary>Takes the signal without waiting: returns whether it was set, and clears an auto-reset signal.</summary>
    /// <remarks>
    /// Never barges: an auto-reset set that was handed to a waiter is that waiter's, so <see cref="TryWait"/> sees
    /// a clear signal. Loop thread only.
    /// </remarks>
    /// <returns>True when the signal was set.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public bool TryWait()
    {
        LoopAffinity.CheckThread(_loop, this, nameof(TryWait));
        if (!_set)
        {
            return false;
        }

        if (_autoReset)
        {
            _set = false;
        }

        return true;
    }

    /// <summary>Describes the signal for messages: its name and kind.</summary>
    /// <returns>For example <c>signal 'ready'</c>.</returns>
    public override string ToString() => LoopAffinity.Describe(_autoReset ? "auto-reset signal" : "signal", _name);

    private void SetOnLoop()
    {
        if (!_autoReset)
        {
            _set = true;
            while (_waiters.TakeFirst() is { } waiter)
            {
                waiter.Wake(_loop, null, null);
            }

            return;
        }

        if (!_set)
        {
            HandOnOrKeep();
        }
    }

    private void ResetOnLoop() => _set = false;

    /// <summary>Auto-reset: one set goes to the first waiter, or stays on the signal when there is none.</summary>
    private void HandOnOrKeep()
    {
        if (_waiters.TakeFirst() is { } waiter)
        {
            waiter.WakeWithGrant(_loop, _grant);
        }
        else
        {
            _set = true;
        }
    }

    private void Park(EventLoop loop, IWaiter waiter)
    {
        LoopAffinity.CheckSameLoop(_loop, loop, this);
        if (!_set)
        {
            _waiters.Add(waiter);
        }
        else if (_autoReset)
        {
            _set = false;
            waiter.WakeWithGrant(loop, _grant); // the set is this waiter's unless it ends before its turn
        }
        else
        {
            waiter.Wake(loop, null, null);
        }
    }

    private sealed class SignalWait(Signal signal) : WaitCondition
    {
        internal override void Park(EventLoop loop, IWaiter waiter) => signal.Park(loop, waiter);

        public override string ToString() => $"{signal}.Wait()";
    }

    // One set of an auto-reset signal, handed to a waiter. Sets are interchangeable, so one instance serves
    // every waiter it is handed to.
    private sealed class AutoResetGrant(Signal signal) : IPendingGrant
    {
        public void Accept(Coroutine coroutine)
        {
        }

        public void Decline(EventLoop loop, Coroutine coroutine)
        {
            if (!signal._set)
            {
                signal.HandOnOrKeep();
            }
        }
    }
}
