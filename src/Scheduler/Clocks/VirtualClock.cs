namespace Scheduler;

/// <summary>
/// A clock that moves only when told: <see cref="Advance"/> by hand, or, with <see cref="AutoAdvance"/>, by the
/// loop jumping to its next timer whenever it is idle. Tests of hour-long schedules run in microseconds and
/// give the same steps every run.
/// </summary>
/// <remarks>
/// Time starts at <see cref="DefaultStart"/> (or the given start) and never goes backwards. Timestamps count
/// <see cref="TimeSpan"/> ticks. Timers made by <see cref="CreateTimer"/> fire on the thread that advances the
/// clock, inside <see cref="Advance"/>, in due order. All members are safe from any thread.
/// </remarks>
/// <example>
/// <code>
/// var clock = new VirtualClock { AutoAdvance = true };
/// var loop = new EventLoop(clock);
/// loop.Spawn(Blink());
/// loop.RunUntilIdle(); // jumps from timer to timer; no real time passes
/// </code>
/// </example>
public sealed class VirtualClock : TimeProvider
{
    /// <summary>The time a clock made with <see cref="VirtualClock()"/> starts at: 2000-01-01 00:00 UTC.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly DateTimeOffset _start;
    private readonly Lock _gate = new();
    private readonly List<VirtualTimer> _timers = [];
    private long _elapsedTicks;
    private volatile bool _autoAdvance;

    /// <summary>Creates a clock that starts at <see cref="DefaultStart"/>.</summary>
    public VirtualClock()
        : this(DefaultStart)
    {
    }

    /// <summary>Creates a clock that starts at <paramref name="start"/>.</summary>
    /// <param name="start">The first value <see cref="GetUtcNow"/> returns.</param>
    public VirtualClock(DateTimeOffset start) => _start = start;

    /// <summary>Gets or sets whether an idle loop jumps this clock to its next timer.</summary>
    /// <value>
    /// The default is false. When true, <see cref="EventLoop.RunUntilIdle()"/>, <see cref="EventLoop.Run"/> and
    /// <see cref="EventLoop.RunUntilComplete(Coroutine)"/> advance the clock to the next deadline instead of
    /// returning or sleeping. A bare <see cref="EventLoop.Tick"/> never moves it.
    /// </value>
    public bool AutoAdvance
    {
        get => _autoAdvance;
        set => _autoAdvance = value;
    }

    /// <summary>Gets how far the clock has moved since it was created.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _elapsedTicks));

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    /// <inheritdoc/>
    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Moves the clock forward and fires, in due order, the timers that fall due.</summary>
    /// <param name="delta">How far to move; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative: time never goes backwards.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target;
        lock (_gate)
        {
            target = checked(_elapsedTicks + delta.Ticks);
        }

        // Fire timers one at a time, each at its own due time, so a callback that reads the clock sees its due time.
        while (true)
        {
            VirtualTimer? due = null;
            lock (_gate)
            {
                foreach (VirtualTimer timer in _timers)
                {
                    if (timer.DueTicks <= target && (due is null || timer.DueTicks < due.DueTicks))
                    {
                        due = timer;
                    }
                }

                if (due is null)
                {
                    Interlocked.Exchange(ref _elapsedTicks, Math.Max(_elapsedTicks, target));
                    return;
                }

                Interlocked.Exchange(ref _elapsedTicks, Math.Max(_elapsedTicks, due.DueTicks));
                due.Rearm(_elapsedTicks);
            }

            due.Fire();
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Schedule(VirtualTimer timer, bool armed)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
            if (armed)
            {
                _timers.Add(timer);
            }
        }
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _periodTicks;

        public long DueTicks { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool armed = dueTime != Timeout.InfiniteTimeSpan;
            lock (clock._gate)
            {
                DueTicks = armed ? clock._elapsedTicks + Math.Max(0, dueTime.Ticks) : long.MaxValue;
                _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(0, period.Ticks);
            }

            clock.Schedule(this, armed);
            return true;
        }

        /// <summary>Called under the clock's lock when the timer fires: schedules the next period, or disarms.</summary>
        public void Rearm(long now)
        {
            if (_periodTicks > 0)
            {
                DueTicks = now + _periodTicks;
            }
            else
            {
                DueTicks = long.MaxValue;
                clock._timers.Remove(this);
            }
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Schedule(this, armed: false);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
