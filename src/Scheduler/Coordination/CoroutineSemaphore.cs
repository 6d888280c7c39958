using System.Collections;

namespace Scheduler;

/// <summary>
/// A counting semaphore for the coroutines of one loop: at most <see cref="MaxCount"/> permits, handed out first
/// come, first served. Named so that it does not clash with <see cref="System.Threading.Semaphore"/>, which the
/// implicit <c>using System.Threading;</c> brings into every file.
/// </summary>
/// <remarks>
/// <para>A coroutine takes a permit with <c>yield return semaphore.Wait()</c> and gives it back with
/// <see cref="Release"/>. The semaphore does not record who holds a permit: any code on the loop thread may
/// release one (use <see cref="CoroutineLock"/> for a lock with an owner).</para>
/// <para><b>FIFO, no barging.</b> A released permit goes straight to the first waiter, which runs next round; it
/// is not put back into <see cref="CurrentCount"/>, so a coroutine that releases and waits again in the same step
/// queues behind the current waiters, and <see cref="TryAcquire"/> cannot take a permit a waiter was handed.
/// If that waiter ends before it runs (canceled, say), the permit passes to the next waiter, or back to the
/// count: a permit is never lost.</para>
/// <para>A wait on a semaphore with a free permit still ends the step: the coroutine runs next round, holding the
/// permit from that turn on.</para>
/// <para>Threading: loop thread only, except <see cref="Wait"/> and the properties, which are safe from any
/// thread (counts may be stale there). From another thread, release through <see cref="EventLoop.Post"/>.</para>
/// <para>Allocation: <see cref="Wait"/> returns one cached wait per semaphore, and waiting, releasing and
/// handing over allocate nothing in steady state.</para>
/// </remarks>
public sealed class CoroutineSemaphore
{
    private readonly EventLoop _loop;
    private readonly string? _name;
    private readonly int _maxCount;
    private readonly WaiterList _waiters;
    private readonly SemaphoreWait _wait;
    private readonly PermitGrant _grant;

    private int _count;   // free permits; when positive there are no waiters
    private int _granted; // permits handed to woken waiters that have not run yet

    /// <summary>Creates a semaphore bound to <paramref name="loop"/>.</summary>
    /// <param name="loop">The loop whose coroutines use the semaphore.</param>
    /// <param name="initialCount">How many permits are free at first; 0 or more, at most <paramref name="maxCount"/>.</param>
    /// <param name="maxCount">The most permits the semaphore can hold; at least 1. Releasing past it throws.</param>
    /// <param name="name">A name for messages and <see cref="ToString"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCount"/> is negative or above <paramref name="maxCount"/>, or <paramref name="maxCount"/> is less than 1.</exception>
    public CoroutineSemaphore(EventLoop loop, int initialCount, int maxCount = int.MaxValue, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        if (initialCount < 0 || initialCount > maxCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(initialCount), initialCount, $"The initial count must be between 0 and the maximum count ({maxCount}).");
        }

        _loop = loop;
        _count = initialCount;
        _maxCount = maxCount;
        _name = name;
        _waiters = new WaiterList(this);
        _wait = new SemaphoreWait(this);
        _grant = new PermitGrant(this);
    }

    /// <summary>Gets the loop the semaphore belongs to.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the name given at creation, or null.</summary>
    public string? Name => _name;

    /// <summary>Gets the most permits the semaphore can hold.</summary>
    public int MaxCount => _maxCount;

    /// <summary>Gets how many permits are free: what <see cref="TryAcquire"/> could take now.</summary>
    /// <remarks>Permits handed to waiters that have not run yet are not free. Safe to read from any thread; may be stale there.</remarks>
    public int CurrentCount => _count;

    /// <summary>Gets how many waits are parked on the semaphore (a branch of <c>Wait.Any</c>/<c>Wait.All</c> counts as one).</summary>
    /// <remarks>Safe to read from any thread; may be stale there.</remarks>
    public int WaiterCount => _waiters.Count;

    /// <summary>Gets the wait that resumes holding one permit; yield it from a coroutine.</summary>
    /// <remarks>
    /// Always the same cached instance. With a free permit (and so no waiter) the permit is taken at once and the
    /// coroutine runs next round; otherwise it queues behind the current waiters. It may be a child of
    /// <see cref="Scheduler.Wait.Any"/> (a timeout, say): when another child fires first the registration is
    /// removed, and a permit handed to the losing branch passes on. A coroutine of another loop that yields it
    /// faults with <see cref="InvalidOperationException"/>. Safe to call from any thread.
    /// </remarks>
    /// <returns>The semaphore's wait.</returns>
    public WaitCondition Wait() => _wait;

    /// <summary>Takes a permit without waiting, if one is free.</summary>
    /// <remarks>Fails while coroutines wait, since then no permit is free: it never overtakes a waiter. Loop thread only.</remarks>
    /// <returns>True when a permit was taken; the caller must <see cref="Release"/> it.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public bool TryAcquire()
    {
        LoopAffinity.CheckThread(_loop, this, nameof(TryAcquire));
        if (_count == 0)
        {
            return false;
        }

        _count--;
        return true;
    }

    /// <summary>Gives back <paramref name="releaseCount"/> permits, handing each to the first waiter, if any.</summary>
    /// <remarks>
    /// Each released permit goes to the oldest waiter, which runs next round; permits nobody waits for become
    /// free. Nothing changes when it throws. Loop thread only.
    /// </remarks>
    /// <param name="releaseCount">How many permits to give back; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="releaseCount"/> is less than 1.</exception>
    /// <exception cref="SemaphoreFullException">The release would put more than <see cref="MaxCount"/> permits back: more were released than taken.</exception>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public void Release(int releaseCount = 1)
    {
        LoopAffinity.CheckThread(_loop, this, nameof(Release));
        ArgumentOutOfRangeException.ThrowIfLessThan(releaseCount, 1);
        if ((long)_count + _granted + releaseCount > _maxCount)
        {
            throw new SemaphoreFullException(
                $"Releasing {releaseCount} permit(s) would put {this} over its maximum count of {_maxCount}: " +
                $"{_count} permit(s) are free and {_granted} handed to waiters that have not run yet, so at most " +
                $"{_maxCount - _count - _granted} can be held. Each Release must match a permit taken.");
        }

        for (int i = 0; i < releaseCount; i++)
        {
            HandOnOrKeep();
        }
    }

    /// <summary>Runs <paramref name="body"/> holding a permit: waits for one, delegates to the body, releases it when the body ends.</summary>
    /// <remarks>
    /// Yield the result from a coroutine: <c>yield return semaphore.WithPermit(Work());</c>. The body runs in the
    /// same coroutine (delegation). The permit is released however the body ends (completed, faulted or
    /// canceled), because the release sits in a <c>finally</c>; a coroutine canceled while it still waits holds
    /// nothing to release. Allocates one small iterator per call; for zero allocation write the pattern out:
    /// <c>yield return semaphore.Wait(); try { ... } finally { semaphore.Release(); }</c>.
    /// </remarks>
    /// <param name="body">The routine to run while holding the permit.</param>
    /// <returns>A routine to yield (delegate to).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public IEnumerator WithPermit(IEnumerator body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return WithPermitCore(body);
    }

    /// <summary>Describes the semaphore for messages.</summary>
    /// <returns>For example <c>semaphore 'pool'</c>.</returns>
    public override string ToString() => LoopAffinity.Describe("semaphore", _name);

    private IEnumerator WithPermitCore(IEnumerator body)
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

    /// <summary>One permit goes to the first waiter, or becomes free when nobody waits.</summary>
    private void HandOnOrKeep()
    {
        if (_waiters.TakeFirst() is { } waiter)
        {
            _granted++;
            waiter.WakeWithGrant(_loop, _grant);
        }
        else
        {
            _count++;
        }
    }

    private void Park(EventLoop loop, IWaiter waiter)
    {
        LoopAffinity.CheckSameLoop(_loop, loop, this);
        if (_count == 0)
        {
            _waiters.Add(waiter);
            return;
        }

        _count--;
        _granted++;
        waiter.WakeWithGrant(loop, _grant); // declined if the coroutine ends before its turn
    }

    private sealed class SemaphoreWait(CoroutineSemaphore semaphore) : WaitCondition
    {
        internal override void Park(EventLoop loop, IWaiter waiter) => semaphore.Park(loop, waiter);

        public override string ToString() => $"{semaphore}.Wait()";
    }

    // A permit handed to a woken waiter. Permits are interchangeable, so one instance serves every waiter; the
    // semaphore counts how many are out.
    private sealed class PermitGrant(CoroutineSemaphore semaphore) : IPendingGrant
    {
        public void Accept(Coroutine coroutine) => semaphore._granted--;

        public void Decline(EventLoop loop, Coroutine coroutine)
        {
            semaphore._granted--;
            semaphore.HandOnOrKeep();
        }
    }
}
