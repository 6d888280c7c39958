namespace Scheduler;

// Parking: where waiting coroutines (and composite branches) are kept until their wait fires, how a cancel
// unlinks them, and the clock arithmetic for timers.
public sealed partial class EventLoop
{
    // The clock's own timer, armed for the earliest deadline. Its callback raises _timersDue, so a round checks
    // one flag instead of reading the clock: a precise clock read costs several plain steps, and a parked timer
    // must cost nothing per round.
    private ITimer? _alarm;
    private long _alarmDue = long.MaxValue; // loop thread only: the deadline the alarm is armed for
    private volatile bool _timersDue;
    private int _externalTicket; // loop thread only: numbers external waits, see ParkExternal

    /// <summary>The loop's time: clock ticks elapsed since the loop was created. Read when a timer is set or fires.</summary>
    private long NowTicks => _clock.GetElapsedTime(_clockOrigin).Ticks;

    /// <summary>How long until the earliest timer is due (zero if overdue), or null when no timer is pending. For the test kit.</summary>
    internal TimeSpan? DelayToNextTimer => _timers.Count == 0 ? null : TimeSpan.FromTicks(Math.Max(0, _timers.MinDue - NowTicks));

    internal void ParkTimer(IWaiter waiter, TimeSpan delay)
    {
        long now = NowTicks;
        if (DelayWait.IsForever(delay) || delay.Ticks > long.MaxValue - now)
        {
            waiter.ParkKind = ParkKind.Forever; // beyond the clock's range: never fires, holds no timer
            return;
        }

        long due = now + delay.Ticks;
        waiter.ParkKind = ParkKind.Timer;
        _timers.Add(due, _timerSequence++, waiter);
        if (due < _alarmDue)
        {
            SetAlarm(due, now);
        }
    }

    /// <summary>
    /// Arms the clock's own timer for <paramref name="due"/>, so no round reads the clock until a deadline has
    /// passed. On a <see cref="VirtualClock"/> the alarm rings inside <see cref="VirtualClock.Advance"/>, at the
    /// exact tick; on other clocks it is rounded up to whole milliseconds, the resolution of their timers, so it
    /// never rings early and has to be armed again.
    /// </summary>
    private void SetAlarm(long due, long now)
    {
        _alarmDue = due;
        if (due <= now)
        {
            _timersDue = true;
            return;
        }

        TimeSpan wait = TimeSpan.FromTicks(due - now);
        if (_clock is not VirtualClock)
        {
            wait = TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));
        }

        _alarm ??= _clock.CreateTimer(static state => ((EventLoop)state!).OnAlarm(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _alarm.Change(wait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The alarm rang (on a timer thread, or inside <see cref="VirtualClock.Advance"/>): the next round fires timers.</summary>
    private void OnAlarm()
    {
        _timersDue = true;
        SignalWake();
    }

    internal void ParkRounds(IWaiter waiter, int rounds)
    {
        if (rounds == 1)
        {
            waiter.Wake(this, null, null); // next round: a plain requeue (a composite branch fires now)
            return;
        }

        waiter.ParkKind = ParkKind.Round;
        _roundTimers.Add(_tickCount + rounds, _timerSequence++, waiter);
    }

    internal void ParkPredicate(PredicateWait wait, IWaiter waiter) => _predicates.Add(wait, waiter);

    /// <summary>
    /// Parks <paramref name="waiter"/> until another thread reports a completion with
    /// <see cref="PostCompletion"/> and the returned ticket. A completion for a waiter that was canceled (or
    /// parked again since) carries an old ticket and is ignored, so a late completion never wakes the wrong wait.
    /// </summary>
    internal int ParkExternal(IWaiter waiter)
    {
        int ticket = ++_externalTicket;
        waiter.ParkKind = ParkKind.External;
        waiter.Slot = ticket;
        return ticket;
    }

    /// <summary>Reports, from any thread, that the external wait of <paramref name="waiter"/> with <paramref name="ticket"/> completed.</summary>
    /// <remarks>
    /// Goes through the inbox, so the waiter wakes on the loop thread at the start of the next round and no user
    /// code runs on the reporting thread. After the loop is disposed the report is dropped: every coroutine has
    /// ended by then, so there is nobody to wake.
    /// </remarks>
    internal void PostCompletion(IWaiter waiter, int ticket, Exception? error) =>
        PostToInbox(new InboxItem(InboxKind.Completion, null, null, waiter, ticket, error), throwIfClosed: false);

    private void CompleteExternal(IWaiter waiter, int ticket, Exception? error)
    {
        if (waiter.ParkKind == ParkKind.External && waiter.Slot == ticket)
        {
            waiter.ParkKind = ParkKind.None;
            waiter.Wake(this, null, error);
        }
    }

    /// <summary>Removes <paramref name="waiter"/> from whatever holds it. Does nothing when it is not parked.</summary>
    internal void Unpark(IWaiter waiter)
    {
        switch (waiter.ParkKind)
        {
            case ParkKind.None:
                return;
            case ParkKind.Timer:
                _timers.RemoveAt(waiter.Slot);
                break;
            case ParkKind.Round:
                _roundTimers.RemoveAt(waiter.Slot);
                break;
            case ParkKind.Predicate:
                _predicates.RemoveAt(waiter.Slot);
                break;
            case ParkKind.List:
                ((WaiterList)waiter.ParkedOn!).RemoveAt(waiter.Slot);
                break;
            case ParkKind.Composite:
                ((CompositeWaiter)waiter.ParkedOn!).Abandon(this);
                break;
        }

        waiter.ParkKind = ParkKind.None;
        waiter.ParkedOn = null;
    }

    /// <summary>Cancels from any thread: applied now on the loop thread, else posted to the inbox.</summary>
    internal void RequestCancel(Coroutine coroutine)
    {
        if (IsLoopThread)
        {
            ApplyCancel(coroutine);
        }
        else
        {
            PostToInbox(new InboxItem(InboxKind.Cancel, coroutine), throwIfClosed: false);
        }
    }

    /// <summary>
    /// Semantics 5: no user code runs here. A waiting coroutine is unlinked and queued; a queued one keeps its
    /// place; the running one is disposed when its MoveNext returns. Each turns its next turn into a disposal.
    /// </summary>
    private void ApplyCancel(Coroutine coroutine)
    {
        if (coroutine.IsEnded)
        {
            return;
        }

        coroutine._flags |= CoroutineFlags.PendingCancel;
        if (coroutine._state == CoroutineState.Waiting)
        {
            Unpark(coroutine);
            MakeReady(coroutine);
        }
    }

    /// <summary>Phase (b): fire due round waits and timers in (due, order set) order, then poll predicates.</summary>
    private void FireDueWaits()
    {
        while (_roundTimers.Count > 0 && _roundTimers.MinDue <= _tickCount)
        {
            _roundTimers.RemoveMin().Wake(this, null, null);
        }

        if (_timersDue)
        {
            FireTimers();
        }

        if (_predicates.Count > 0)
        {
            _predicates.Poll(this);
        }
    }

    /// <summary>Fires the timers whose deadline has passed, in (deadline, order set) order, and re-arms the alarm.</summary>
    private void FireTimers()
    {
        _timersDue = false; // before reading the clock: an alarm that rings from here on raises it again
        long now = NowTicks;
        while (_timers.Count > 0 && _timers.MinDue <= now)
        {
            _timers.RemoveMin().Wake(this, null, null);
        }

        // The alarm may have rung for a timer since canceled; either way it is armed for the earliest left.
        _alarmDue = long.MaxValue;
        if (_timers.Count > 0)
        {
            SetAlarm(_timers.MinDue, now);
        }
    }

    /// <summary>With a <see cref="VirtualClock"/> on auto-advance, jumps it to the next deadline. Returns whether it moved.</summary>
    private bool TryAutoAdvance()
    {
        if (_clock is not VirtualClock { AutoAdvance: true } clock || _timers.Count == 0)
        {
            return false;
        }

        long wait = _timers.MinDue - NowTicks;
        if (wait > 0)
        {
            clock.Advance(TimeSpan.FromTicks(wait));
        }

        _timersDue = true; // the alarm rang inside Advance; set here too in case it was armed for a later tick
        return true;
    }

    /// <summary>
    /// How long an idle <see cref="Run"/> may sleep before it must poll predicates again. Timers need no limit:
    /// their alarm wakes the loop.
    /// </summary>
    private TimeSpan IdleSleepLimit() => _predicates.Count > 0 ? _options.PredicatePollInterval : Timeout.InfiniteTimeSpan;
}
