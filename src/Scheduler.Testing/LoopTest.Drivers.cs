namespace Scheduler.Testing;

// Drivers: steps, rounds, conditions and virtual time. The open-ended ones walk the loop one step at a time
// (EventLoop.RunOneStep), so a condition is checked after every step and a budget stops at an exact step.
public sealed partial class LoopTest
{
    // Rounds in a row that run no step while the loop still has work (a Wait.Ticks far away, a callback that
    // posts itself again): past this many, a driver fails instead of spinning.
    private const int MaxEmptyRounds = 1_000_000;

    /// <summary>Runs one step: the next step of the round under way, or the first step of a new round.</summary>
    /// <remarks>
    /// Starting a new round runs its inbox, timers and predicates first. When the new round has nothing ready,
    /// no step runs, but the (empty) round is counted in <see cref="EventLoop.TickCount"/>. A round left half
    /// done is finished by the next <see cref="RunRound"/> (which then runs only its rest) or by any other
    /// driver before it starts a new round. Never moves the clock.
    /// </remarks>
    /// <returns>The coroutine that stepped, or null when nothing was ready.</returns>
    /// <exception cref="LoopTestException">The step faulted a coroutine that nobody observes (see <see cref="LoopTestOptions.FailOnUnobservedFault"/>).</exception>
    /// <exception cref="InvalidOperationException">Called from inside a step, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public Coroutine? Step()
    {
        _lastStepped = null;
        bool ran = Loop.RunOneStep();
        ThrowIfUnobservedFaults();
        return ran ? _lastStepped : null;
    }

    /// <summary>Runs one round (<see cref="EventLoop.Tick"/>): inbox, due timers and predicates, then one step of every coroutine that was ready.</summary>
    /// <remarks>After <see cref="Step"/> left a round half done, this runs only the rest of that round. Never moves the clock.</remarks>
    /// <returns>The steps the round ran.</returns>
    /// <exception cref="LoopTestException">A step faulted a coroutine that nobody observes.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a step, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public int RunRound()
    {
        int steps = Loop.Tick();
        ThrowIfUnobservedFaults();
        return steps;
    }

    /// <summary>Runs <paramref name="count"/> rounds, as <see cref="RunRound"/> does, whether or not they have work.</summary>
    /// <param name="count">How many rounds; zero or more.</param>
    /// <returns>The steps the rounds ran.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="LoopTestException">A step faulted a coroutine that nobody observes.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a step, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public long RunRounds(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long steps = 0;
        for (int i = 0; i < count; i++)
        {
            steps += RunRound();
        }

        return steps;
    }

    /// <summary>Runs until the loop is idle, failing with a task dump if <paramref name="maxSteps"/> steps were not enough.</summary>
    /// <remarks>
    /// Idle means what it means for <see cref="EventLoop.RunUntilIdle()"/>: a round ran no step and nothing is
    /// due for the next one (no round wait, no post). With <see cref="AutoAdvance"/> on, the clock then jumps to
    /// the next timer and the run goes on until no timer is left; otherwise pending timers wait for the test to
    /// move the clock. Rounds and step order are the loop's own; only the budget is checked after every step.
    /// </remarks>
    /// <param name="maxSteps">The most steps to run; at least 1.</param>
    /// <returns>The steps run.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is less than 1.</exception>
    /// <exception cref="LoopTestException">The budget ran out before the loop became idle (the message holds a task dump and the end of the trace), or a step faulted a coroutine that nobody observes.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a step, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public long RunUntilIdle(long maxSteps = DefaultMaxSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        Drive(nameof(RunUntilIdle), done: null, maxSteps, Clock.AutoAdvance, out long steps);
        return steps;
    }

    /// <summary>Runs step by step until <paramref name="condition"/> holds, failing with a task dump if it cannot.</summary>
    /// <remarks>
    /// The condition is checked before the first step and after every step (and after every round that ran
    /// none), so the run stops right after the step that made it true, possibly in the middle of a round. It
    /// fails when <paramref name="maxSteps"/> steps were not enough, or when the loop becomes idle with the
    /// condition still false: nothing will change until the clock moves, which it does by itself only with
    /// <see cref="AutoAdvance"/> on.
    /// </remarks>
    /// <param name="condition">What to wait for; read on the loop thread between steps.</param>
    /// <param name="maxSteps">The most steps to run; at least 1.</param>
    /// <returns>The steps run.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is less than 1.</exception>
    /// <exception cref="LoopTestException">The budget ran out, or the loop became idle, before the condition held (the message holds a task dump and the end of the trace); or a step faulted a coroutine that nobody observes.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a step, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public long RunUntil(Func<bool> condition, long maxSteps = DefaultMaxSteps)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        if (!Drive(nameof(RunUntil), condition, maxSteps, Clock.AutoAdvance, out long steps))
        {
            throw Failure(
                $"RunUntil: the loop is idle after {steps} step(s) and the condition still does not hold. Nothing is ready " +
                "and nothing is due: move the clock (Advance, AdvanceToNextTimer, RunFor), turn on AutoAdvance, or see " +
                "below what the tasks wait for.");
        }

        return steps;
    }

    /// <summary>
    /// Runs <paramref name="duration"/> of virtual time: runs until idle, jumps to the next timer if it falls
    /// within the duration, and so on; then moves the clock to the end of the duration. Kotlin's <c>advanceTimeBy</c>.
    /// </summary>
    /// <remarks>
    /// Timers due exactly at the end fire and their coroutines run; later ones stay pending. Auto-advance is
    /// suspended meanwhile, so the clock never passes the end.
    /// </remarks>
    /// <param name="duration">How much virtual time; zero or more.</param>
    /// <param name="maxSteps">The most steps to run in all; at least 1.</param>
    /// <returns>The steps run.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative, or <paramref name="maxSteps"/> is less than 1.</exception>
    /// <exception cref="LoopTestException">The budget ran out (the message holds a task dump), or a step faulted a coroutine that nobody observes.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a step, or from another thread.</exception>
    /// <exception cref="ObjectDisposedException">The harness has been disposed.</exception>
    public long RunFor(TimeSpan duration, long maxSteps = DefaultMaxSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        TimeSpan end = Clock.Elapsed + duration;
        bool autoAdvance = Clock.AutoAdvance;
        Clock.AutoAdvance = false;
        long total = 0;
        int idleJumps = 0;
        try
        {
            while (true)
            {
                Drive(nameof(RunFor), done: null, maxSteps - total, autoAdvance: false, out long steps);
                total += steps;
                if (Loop.DelayToNextTimer is not { } delay || Clock.Elapsed + delay > end)
                {
                    break;
                }

                idleJumps = steps == 0 ? idleJumps + 1 : 0;
                if (idleJumps >= MaxEmptyRounds)
                {
                    throw Failure($"{nameof(RunFor)}: the loop jumped to {idleJumps} timers in a row without a step.");
                }

                Clock.Advance(delay);
            }

            Clock.Advance(end - Clock.Elapsed);
        }
        finally
        {
            Clock.AutoAdvance = autoAdvance;
        }

        return total;
    }

    /// <summary>Moves virtual time forward by <paramref name="delta"/>. Runs nothing: the timers that fall due fire in the next round.</summary>
    /// <param name="delta">How far; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative: time never goes backwards.</exception>
    public void Advance(TimeSpan delta) => Clock.Advance(delta);

    /// <summary>Moves virtual time to the loop's next timer (<see cref="Wait.For"/>), if there is one. Runs nothing: the timer fires in the next round.</summary>
    /// <returns>True when a timer was pending (the clock now reads its deadline, or it was already due); false when none is.</returns>
    /// <exception cref="InvalidOperationException">Called from another thread.</exception>
    public bool AdvanceToNextTimer()
    {
        if (!Loop.IsLoopThread)
        {
            throw new InvalidOperationException(
                $"AdvanceToNextTimer belongs to the loop's thread, but was called from thread {Environment.CurrentManagedThreadId}.");
        }

        if (Loop.DelayToNextTimer is not { } delay)
        {
            return false;
        }

        Clock.Advance(delay);
        return true;
    }

    /// <summary>
    /// Runs one step at a time until <paramref name="done"/> holds (true) or the loop is idle (false); with
    /// <paramref name="autoAdvance"/>, an idle loop first jumps the clock to its next timer.
    /// </summary>
    private bool Drive(string driver, Func<bool>? done, long maxSteps, bool autoAdvance, out long steps)
    {
        steps = 0;
        int emptyRounds = 0;
        while (true)
        {
            if (done is not null && done())
            {
                return true;
            }

            // The budget is spent: fail before a step would exceed it. Rounds that run no step (the idle check,
            // auto-advance) are still allowed, so a run that needs exactly maxSteps steps passes.
            if (steps >= maxSteps && Loop.HasWorkForNextRound)
            {
                throw BudgetFailure(driver, done is not null, steps, maxSteps);
            }

            if (Loop.RunOneStep())
            {
                steps++;
                emptyRounds = 0;
                ThrowIfUnobservedFaults();
                if (steps > maxSteps)
                {
                    throw BudgetFailure(driver, done is not null, steps, maxSteps); // a predicate woke a coroutine at the round's start
                }

                continue;
            }

            ThrowIfUnobservedFaults(); // a posted callback may have thrown
            if (Loop.HasWorkForNextRound)
            {
                if (++emptyRounds >= MaxEmptyRounds)
                {
                    throw Failure($"{driver}: the loop ran {emptyRounds} rounds in a row without a step and still has work for the next one.");
                }

                continue;
            }

            if (autoAdvance && Loop.DelayToNextTimer is { } delay)
            {
                Clock.Advance(delay);
                if (++emptyRounds >= MaxEmptyRounds)
                {
                    throw Failure($"{driver}: the loop ran {emptyRounds} rounds in a row without a step and still has timers.");
                }

                continue;
            }

            return false;
        }
    }

    private LoopTestException BudgetFailure(string driver, bool hasCondition, long steps, long maxSteps) => Failure(
        $"{driver}: the budget of {maxSteps} step(s) ran out {(hasCondition ? "before the condition held" : "before the loop became idle")} " +
        $"({steps} step(s) run). See below which tasks are live and what each did last.");
}
