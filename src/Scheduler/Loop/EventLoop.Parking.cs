namespace Scheduler;

// Parking: where waiting coroutines (and composite branches) are kept until their wait fires, how a cancel
// unlinks them, and the clock arithmetic for timers.
public sealed partial class EventLoop
{
    /// <summary>The loop's time: clock ticks elapsed since the loop was created. Read only when a timer is set or checked.</summary>
    private long NowTicks => _clock.GetElapsedTime(_clockOrigin).Ticks;

    internal void ParkTimer(IWaiter waiter, TimeSpan delay)
    {
        long now = NowTicks;
        if (DelayWait.IsForever(delay) || delay.Ticks > long.MaxValue - now)
        {
            waiter.ParkKind = ParkKind.Forever; // beyond the clock's range: never fires, holds no timer
            return;
        }

        waiter.ParkKind = ParkKind.Timer;
        _timers.Add(now + delay.Ticks, _timerSequence++, waiter);
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
            PostToInbox(new InboxItem(InboxKind.Cancel, coroutine, null), throwIfClosed: false);
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

        if (_timers.Count > 0)
        {
            long now = NowTicks;
            while (_timers.Count > 0 && _timers.MinDue <= now)
            {
                _timers.RemoveMin().Wake(this, null, null);
            }
        }

        if (_predicates.Count > 0)
        {
            _predicates.Poll(this);
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

        return true;
    }

    /// <summary>How long an idle <see cref="Run"/> may sleep: until the next timer, or the predicate poll interval.</summary>
    private TimeSpan IdleSleepLimit()
    {
        TimeSpan limit = Timeout.InfiniteTimeSpan;
        if (_timers.Count > 0)
        {
            limit = TimeSpan.FromTicks(Math.Max(0, _timers.MinDue - NowTicks));
        }

        if (_predicates.Count > 0 && (limit == Timeout.InfiniteTimeSpan || limit > _options.PredicatePollInterval))
        {
            limit = _options.PredicatePollInterval;
        }

        return limit;
    }
}
