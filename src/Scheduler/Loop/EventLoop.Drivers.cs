using System.Collections;
using System.Runtime.ExceptionServices;

namespace Scheduler;

// Drivers: the public ways to run rounds. Each enters the loop's thread role once, then runs rounds with no
// per-round synchronization, so the cost of a round is the cost of its steps.
public sealed partial class EventLoop
{
    /// <summary>Runs one round: the inbox snapshot, due timers and predicates, then one step of every coroutine that was ready.</summary>
    /// <remarks>Never moves the clock and never sleeps.</remarks>
    /// <returns>The steps the round ran.</returns>
    /// <exception cref="InvalidOperationException">Called from inside a step, or while another thread runs a driver.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public int Tick()
    {
        EnterDriver();
        try
        {
            return (int)RunRound();
        }
        finally
        {
            ExitDriver();
        }
    }

    /// <summary>Runs exactly one step: the next step of the current round, or, when no round is under way, the first step of a new one.</summary>
    /// <remarks>
    /// For tests and debuggers that walk a round step by step. Starting a new round runs its phases (a) and (b)
    /// (the inbox, due timers and predicates) as <see cref="Tick"/> does; <see cref="TickCount"/> counts it
    /// when it starts. A round left half-done is finished by the next <see cref="Tick"/> (which then runs only
    /// the rest of that round) or by any other driver before it starts new rounds, so rounds keep their
    /// meaning whatever mix of drivers runs them. Never moves the clock and never sleeps.
    /// </remarks>
    /// <returns>True when a step ran; false when the new round had nothing ready.</returns>
    /// <exception cref="InvalidOperationException">Called from inside a step, or while another thread runs a driver.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public bool RunOneStep()
    {
        EnterDriver();
        try
        {
            int steps = _roundRemaining > 0 ? _roundRemaining : BeginRound();
            if (steps == 0)
            {
                return false;
            }

            _roundRemaining = steps - 1;
            RunSteps(1, quietRoundBudget: 0);
            return true;
        }
        finally
        {
            ExitDriver();
        }
    }

    /// <summary>Runs rounds until the loop is idle, and returns the steps it ran.</summary>
    /// <remarks>
    /// Idle means a round ran no step and no <see cref="Wait.Ticks"/> wait is pending. With a
    /// <see cref="VirtualClock"/> on <see cref="VirtualClock.AutoAdvance"/>, the clock then jumps to the next
    /// deadline and the rounds go on, until no timer is left. On any other clock pending timers do not keep it
    /// running: it never sleeps. Parked coroutines that nothing will wake do not keep it running either.
    /// </remarks>
    /// <returns>The steps run.</returns>
    /// <exception cref="InvalidOperationException">Called from inside a step, or while another thread runs a driver.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public long RunUntilIdle() => RunUntilIdle(long.MaxValue);

    /// <summary>Runs rounds until the loop is idle, failing once <paramref name="maxSteps"/> steps have run without reaching idle.</summary>
    /// <remarks>The budget turns a test that would hang into a failure that lists every live coroutine.</remarks>
    /// <param name="maxSteps">The most steps to run; at least 1.</param>
    /// <returns>The steps run.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The budget ran out before idle (the message lists the live coroutines); or called from inside a step, or while another thread runs a driver.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public long RunUntilIdle(long maxSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        EnterDriver();
        try
        {
            long total = 0;
            while (true)
            {
                if (total >= maxSteps)
                {
                    throw new InvalidOperationException(
                        $"The loop ran {total} steps without becoming idle (budget {maxSteps}).{Environment.NewLine}{DescribeLive()}");
                }

                long steps = RunRound(quietRoundBudget: maxSteps - total);
                total += steps;
                if (steps > 0 || HasWorkForNextRound || TryAutoAdvance())
                {
                    continue;
                }

                return total;
            }
        }
        finally
        {
            ExitDriver();
        }
    }

    /// <summary>Runs the loop on the calling thread until no coroutine is alive, or <paramref name="cancellationToken"/> is canceled.</summary>
    /// <remarks>
    /// The production driver. When nothing is ready the thread sleeps until the next timer is due, another thread
    /// posts work, or the token is canceled; it never spins (with only predicate waits parked it rounds every
    /// <see cref="EventLoopOptions.PredicatePollInterval"/>). With <see cref="EventLoopOptions.KeepRunningWhenEmpty"/>
    /// it keeps running when empty, waiting for posts. Returns normally when the token is canceled; the
    /// coroutines still alive stay alive (dispose the loop to end them).
    /// </remarks>
    /// <param name="cancellationToken">Stops the loop at the next round boundary.</param>
    /// <exception cref="InvalidOperationException">Called from inside a step, or while another thread runs a driver.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public void Run(CancellationToken cancellationToken = default)
    {
        EnterDriver();
        AttachWatchdog();
        try
        {
            using CancellationTokenRegistration registration = cancellationToken.Register(static state => ((EventLoop)state!).SignalWake(), this);
            while (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposeRequested) == 0)
            {
                if (RunRound() > 0 || HasWorkForNextRound || TryAutoAdvance())
                {
                    continue;
                }

                if (_live.Count == 0 && !_options.KeepRunningWhenEmpty && !InboxHasItems)
                {
                    return;
                }

                SleepUntilWork(IdleSleepLimit(), cancellationToken);
            }
        }
        finally
        {
            DetachWatchdog();
            ExitDriver();
        }
    }

    /// <summary>Runs rounds until <paramref name="coroutine"/> ends, then returns, or throws its fault.</summary>
    /// <remarks>
    /// Other coroutines run as usual. When the loop is idle it jumps a <see cref="VirtualClock"/> on auto-advance,
    /// or sleeps until the next timer on a real clock, like <see cref="Run"/>. When the coroutine faulted, its
    /// exception is rethrown as thrown (with its original stack trace); since the caller sees it, the fault is
    /// observed and not reported through <see cref="UnobservedFault"/>.
    /// </remarks>
    /// <param name="coroutine">A coroutine of this loop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="coroutine"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="coroutine"/> belongs to another loop.</exception>
    /// <exception cref="OperationCanceledException">The coroutine was canceled.</exception>
    /// <exception cref="InvalidOperationException">On a <see cref="VirtualClock"/> without auto-advance, the loop became idle before the coroutine ended; or the driver rules were broken.</exception>
    public void RunUntilComplete(Coroutine coroutine)
    {
        ArgumentNullException.ThrowIfNull(coroutine);
        if (!ReferenceEquals(coroutine._loop, this))
        {
            throw new ArgumentException($"{coroutine} belongs to another event loop.", nameof(coroutine));
        }

        EnterDriver();
        try
        {
            coroutine._flags |= CoroutineFlags.ObservedByDriver; // its fault is rethrown below, so it is not unobserved
            while (!coroutine.IsEnded)
            {
                if (RunRound() > 0 || coroutine.IsEnded || HasWorkForNextRound || TryAutoAdvance())
                {
                    continue;
                }

                if (_clock is VirtualClock && !InboxHasItems)
                {
                    throw new InvalidOperationException(
                        $"{coroutine} cannot complete: the loop is idle and its virtual clock does not move by itself. " +
                        $"Set VirtualClock.AutoAdvance, or advance the clock.{Environment.NewLine}{DescribeLive()}");
                }

                SleepUntilWork(IdleSleepLimit(), CancellationToken.None);
            }
        }
        finally
        {
            ExitDriver();
        }

        coroutine.ThrowUnlessCompleted();
    }

    /// <summary>Runs rounds until <paramref name="coroutine"/> ends and returns its value (see <see cref="RunUntilComplete(Coroutine)"/>).</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="coroutine">A coroutine of this loop.</param>
    /// <returns>The value the routine returned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="coroutine"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="coroutine"/> belongs to another loop.</exception>
    /// <exception cref="OperationCanceledException">The coroutine was canceled.</exception>
    /// <exception cref="InvalidOperationException">The loop became idle on a virtual clock before the coroutine ended.</exception>
    public T RunUntilComplete<T>(Coroutine<T> coroutine)
    {
        RunUntilComplete((Coroutine)coroutine);
        return coroutine.Result;
    }

    /// <summary>Spawns <paramref name="routine"/> and runs rounds until it ends (see <see cref="RunUntilComplete(Coroutine)"/>).</summary>
    /// <param name="routine">The routine to run to completion.</param>
    /// <param name="name">A name for the coroutine.</param>
    /// <returns>The completed coroutine.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="OperationCanceledException">The coroutine was canceled.</exception>
    /// <exception cref="InvalidOperationException">The loop became idle on a virtual clock before the coroutine ended.</exception>
    public Coroutine RunUntilComplete(IEnumerator routine, string? name = null)
    {
        Coroutine coroutine = Spawn(routine, name);
        RunUntilComplete(coroutine);
        return coroutine;
    }

    /// <summary>Spawns <paramref name="routine"/>, runs rounds until it ends, and returns its value.</summary>
    /// <typeparam name="T">The type of the value the routine returns.</typeparam>
    /// <param name="routine">The routine to run to completion; it ends with <c>yield return Routine.Return(value)</c>.</param>
    /// <param name="name">A name for the coroutine.</param>
    /// <returns>The value the routine returned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    /// <exception cref="OperationCanceledException">The coroutine was canceled.</exception>
    /// <exception cref="InvalidOperationException">The loop became idle on a virtual clock before the coroutine ended, or the routine returned no <typeparamref name="T"/>.</exception>
    public T RunUntilComplete<T>(IEnumerator routine, string? name = null) => RunUntilComplete(Spawn<T>(routine, name));

    /// <summary>Starts watching for slow steps while <see cref="Run"/> drives (see Diagnostics: the blocking watchdog).</summary>
    partial void AttachWatchdog();

    /// <summary>Stops watching for slow steps when <see cref="Run"/> returns.</summary>
    partial void DetachWatchdog();

    /// <summary>Work that the next round has for certain: queued steps, round waits, posts, timers whose alarm rang. (Predicates are checked by running the round.)</summary>
    internal bool HasWorkForNextRound => _ready.Count > 0 || _roundTimers.Count > 0 || InboxHasItems || _timersDue;

    /// <summary>
    /// One round: phases (a), (b), (c) of the design note; with a <paramref name="quietRoundBudget"/>, also the
    /// rounds after it that have only steps to run (see <see cref="RunSteps"/>). Returns the steps run.
    /// </summary>
    private long RunRound(long quietRoundBudget = 0)
    {
        if (_roundRemaining > 0)
        {
            return FinishPausedRound(); // RunOneStep stopped in the middle of a round: that round comes first
        }

        int steps = BeginRound();
        return steps > 0 ? RunSteps(steps, quietRoundBudget) : 0;
    }

    /// <summary>Phases (a) and (b) of a new round; returns how many coroutines phase (c) steps.</summary>
    private int BeginRound()
    {
        _tickCount++;
        if (InboxHasItems)
        {
            RunInbox();
        }

        if (_timersDue || (_roundTimers.Count | _predicates.Count) != 0)
        {
            FireDueWaits();
        }

        return BeginSteps();
    }

    private long FinishPausedRound()
    {
        int steps = _roundRemaining;
        _roundRemaining = 0;
        return RunSteps(steps, quietRoundBudget: 0);
    }

    /// <summary>The task dump (see <see cref="Dump"/>), cut at 50 tasks, for failure messages.</summary>
    private string DescribeLive() => SnapshotFormatter.Format(Snapshot(), maxTasks: 50);
}
