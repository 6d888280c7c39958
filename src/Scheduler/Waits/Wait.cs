namespace Scheduler;

/// <summary>The catalogue of waits a routine yields to suspend without blocking the loop thread.</summary>
/// <remarks>
/// <para>Every wait ends the step that yields it, even one that already holds: the coroutine runs again no
/// earlier than the next round. Rounds are counted by <see cref="EventLoop.TickCount"/>; a wait yielded in round
/// r that fires "next round" runs in round r + 1.</para>
/// <para>Parked coroutines cost nothing per round: timers sit in a heap ordered by (deadline, order set), joins in
/// the joined coroutine. Only <see cref="Until"/> and <see cref="While"/> are polled, once per round.</para>
/// <para><see cref="For"/>, <see cref="Ticks"/> and <see cref="NextTick"/> return cached instances, so a loop
/// that writes <c>yield return Wait.For(TimeSpan.FromSeconds(1))</c> allocates nothing per iteration.</para>
/// </remarks>
/// <example>
/// <code>
/// IEnumerator Blink()
/// {
///     while (true)
///     {
///         Console.WriteLine("on");
///         yield return Wait.For(TimeSpan.FromMilliseconds(500));
///         Console.WriteLine("off");
///         yield return Wait.For(TimeSpan.FromMilliseconds(500));
///     }
/// }
/// </code>
/// </example>
public static partial class Wait
{
    /// <summary>Gets the wait for the next round: the same as <c>yield return null</c> and <c>Wait.Ticks(1)</c>.</summary>
    public static WaitCondition NextTick => RoundsWait.NextRound;

    /// <summary>Gets a wait that never fires by itself: the coroutine stays parked until it is canceled.</summary>
    public static WaitCondition Forever => WaitCache.Delay(Timeout.InfiniteTimeSpan);

    /// <summary>Creates a wait of <paramref name="rounds"/> rounds: yielded in round r, the coroutine runs again in round r + <paramref name="rounds"/>.</summary>
    /// <param name="rounds">How many rounds to wait; at least 1.</param>
    /// <returns>A cached, immutable wait.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rounds"/> is less than 1.</exception>
    public static WaitCondition Ticks(int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        return rounds == 1 ? RoundsWait.NextRound : WaitCache.Rounds(rounds);
    }

    /// <summary>Creates a wait of <paramref name="duration"/> on the loop's clock.</summary>
    /// <remarks>
    /// The deadline is the clock's time when the coroutine yields, plus <paramref name="duration"/>; it fires in
    /// phase (b) of the first round that starts at or after it (zero fires next round). Timers with equal
    /// deadlines fire in the order they were set. <see cref="TimeSpan.MaxValue"/> and
    /// <see cref="Timeout.InfiniteTimeSpan"/> never fire and hold no timer; a deadline past the clock's range
    /// never fires either (it does not overflow).
    /// </remarks>
    /// <param name="duration">How long to wait; zero or more, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <returns>A cached, immutable wait.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    public static WaitCondition For(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero && duration != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(duration), duration, "A wait cannot last a negative time; use TimeSpan.Zero to wait for the next round's timers.");
        }

        return WaitCache.Delay(duration);
    }

    /// <summary>Creates a wait that resumes once <paramref name="predicate"/> returns true.</summary>
    /// <remarks>
    /// The loop polls the predicate on its thread once per round, in phase (b), in the order the waits began;
    /// when it holds, the coroutine runs in that same round. A predicate that throws faults the waiting
    /// coroutine with that exception. Prefer an event-driven wait (a join, a timer) where one exists: predicates
    /// are the only waits that cost something per round.
    /// </remarks>
    /// <param name="predicate">The condition to wait for; called on the loop thread.</param>
    /// <returns>A new wait.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is null.</exception>
    public static WaitCondition Until(Func<bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new PredicateWait(predicate, expected: true);
    }

    /// <summary>Creates a wait that resumes once <paramref name="predicate"/> returns false.</summary>
    /// <remarks>Polled like <see cref="Until"/>.</remarks>
    /// <param name="predicate">The condition that keeps the coroutine waiting; called on the loop thread.</param>
    /// <returns>A new wait.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is null.</exception>
    public static WaitCondition While(Func<bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new PredicateWait(predicate, expected: false);
    }

    /// <summary>Creates a wait that joins <paramref name="coroutine"/> without inheriting its fault or cancellation.</summary>
    /// <remarks>
    /// The waiter resumes after the coroutine ends, however it ended, and inspects <see cref="Coroutine.State"/>,
    /// <see cref="Coroutine.Exception"/> or <see cref="Coroutine.Result"/>. A fault with a settled joiner counts as
    /// observed, so it is not reported as unobserved.
    /// </remarks>
    /// <param name="coroutine">The coroutine to wait for.</param>
    /// <returns>The coroutine's cached settled wait.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="coroutine"/> is null.</exception>
    public static WaitCondition Settled(Coroutine coroutine)
    {
        ArgumentNullException.ThrowIfNull(coroutine);
        return coroutine.Extras.Settled ??= new SettledWait(coroutine);
    }

    /// <summary>Creates a wait that resumes once every one of <paramref name="waits"/> has fired.</summary>
    /// <remarks>
    /// Each child is registered as if the coroutine waited on it alone; the coroutine wakes once, when the last
    /// fires. A coroutine among the children is joined: if it faults or is canceled, the whole wait ends at once
    /// with that outcome and the other registrations are removed. An empty list holds at once.
    /// </remarks>
    /// <param name="waits">The waits; coroutines may be passed directly.</param>
    /// <returns>A new wait.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="waits"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">An element is a <see cref="Routine.Return{T}(T)"/> or <see cref="RoutineCall{T}"/>.</exception>
    public static WaitCondition All(params WaitCondition[] waits) => new AllWait(Validate(waits, nameof(waits)));

    /// <summary>Creates a wait that resumes once the first of <paramref name="waits"/> fires, and records which.</summary>
    /// <remarks>
    /// When one child fires, the others' registrations are removed at once. A coroutine among the children is
    /// joined: if it is the first to end and it faulted or was canceled, the waiter inherits that outcome (wrap it
    /// in <see cref="Settled"/> to inspect it instead). Read <see cref="AnyWait.FiredIndex"/> afterwards.
    /// </remarks>
    /// <param name="waits">The waits; at least one. Coroutines may be passed directly.</param>
    /// <returns>A new wait that records which child fired.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="waits"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="waits"/> is empty, or an element cannot be combined.</exception>
    public static AnyWait Any(params WaitCondition[] waits)
    {
        WaitCondition[] children = Validate(waits, nameof(waits));
        if (children.Length == 0)
        {
            throw new ArgumentException("Wait.Any needs at least one wait: with none, it could never fire.", nameof(waits));
        }

        return new AnyWait(children);
    }

    private static WaitCondition[] Validate(WaitCondition[] waits, string paramName)
    {
        ArgumentNullException.ThrowIfNull(waits, paramName);
        var copy = (WaitCondition[])waits.Clone(); // the caller may reuse its array
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null)
            {
                throw new ArgumentNullException(paramName, $"Wait {i} of {copy.Length} is null.");
            }

            if (!copy[i].IsComposable)
            {
                throw new ArgumentException($"Wait {i} ({copy[i]}) runs inside its coroutine and cannot be combined.", paramName);
            }
        }

        return copy;
    }
}
