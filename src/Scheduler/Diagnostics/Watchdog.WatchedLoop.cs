namespace Scheduler;

internal static partial class Watchdog
{
    /// <summary>
    /// One loop under watch, from <see cref="Attach"/> until the watchdog's look after <see cref="Detach"/>. Its
    /// private fields belong to the watchdog thread.
    /// </summary>
    internal sealed class WatchedLoop(EventLoop loop, TimeSpan threshold, TimeSpan period)
    {
        private long _step = -1;
        private Coroutine? _coroutine;
        private long _firstSeen;       // the first look that saw the step running
        private long _beforeFirstSeen; // the look before it: the step began in between
        private long _lastSeen;        // the latest look that saw it running
        private string[]? _reportedStack; // set once the step is reported as slow, until its final report
        private long _lastLook = TimeProvider.System.GetTimestamp();

        public EventLoop Loop { get; } = loop;

        public TimeSpan Threshold { get; } = threshold;

        public TimeSpan Period { get; } = period;

        /// <summary>Set by the loop thread when Run returns.</summary>
        public volatile bool Detached;

        /// <summary>Set by the watchdog thread at its last look at a detached loop.</summary>
        public bool Finished;

        /// <summary>The step the watchdog last saw running, read by any thread; null when it saw none.</summary>
        public volatile Sighting? Current;

        /// <summary>One look at the loop. Returns false once the loop is detached and done with. Never throws.</summary>
        public bool Look(long now)
        {
            try
            {
                if (Detached)
                {
                    EndSighting(now);
                    Finished = true;
                    return false;
                }

                long step = Loop.StepCount;
                Coroutine? running = Loop.ReadRunningCoroutine();
                if (running is null)
                {
                    EndSighting(now);
                }
                else if (step != _step || !ReferenceEquals(running, _coroutine))
                {
                    EndSighting(now);
                    BeginSighting(step, running, now);
                }
                else
                {
                    _lastSeen = now;
                    if (_reportedStack is null && TimeProvider.System.GetElapsedTime(_firstSeen, now) >= Threshold)
                    {
                        ReportStuck(now);
                    }
                }
            }
            catch (Exception ex)
            {
                Forget();
                Loop.ReportWatchdogFault(ex);
            }

            _lastLook = now;
            return true;
        }

        private void BeginSighting(long step, Coroutine running, long now)
        {
            _step = step;
            _coroutine = running;
            _firstSeen = now;
            _lastSeen = now;
            _beforeFirstSeen = _lastLook;
            Current = new Sighting(step, running, now);
        }

        private void ReportStuck(long now)
        {
            Coroutine coroutine = _coroutine!;
            string[]? stack = EventLoop.CaptureStack(coroutine);
            if (stack is null || Loop.StepCount != _step || !ReferenceEquals(Loop.ReadRunningCoroutine(), coroutine))
            {
                return; // the step ended while its stack was read: the next look sees that
            }

            _reportedStack = stack;
            Loop.ReportSlowStep(new SlowStepEventArgs(
                coroutine,
                stack,
                TimeProvider.System.GetElapsedTime(_firstSeen, now),
                TimeProvider.System.GetElapsedTime(_beforeFirstSeen, _firstSeen),
                stepEnded: false));
        }

        /// <summary>The step seen so far is over (or the loop detached): its final report, if it was reported.</summary>
        private void EndSighting(long now)
        {
            if (_reportedStack is not { } stack)
            {
                Forget();
                return;
            }

            TimeSpan startGap = TimeProvider.System.GetElapsedTime(_beforeFirstSeen, _firstSeen);
            TimeSpan endGap = TimeProvider.System.GetElapsedTime(_lastSeen, now);
            var report = new SlowStepEventArgs(
                _coroutine!,
                stack,
                TimeProvider.System.GetElapsedTime(_firstSeen, now),
                startGap > endGap ? startGap : endGap,
                stepEnded: true);
            Forget();
            Loop.ReportSlowStep(report);
        }

        private void Forget()
        {
            _step = -1;
            _coroutine = null;
            _reportedStack = null;
            Current = null;
        }
    }

    /// <summary>A step the watchdog saw running: its number, its coroutine and the watchdog's timestamp of the first look that saw it.</summary>
    internal sealed class Sighting(long step, Coroutine coroutine, long firstSeen)
    {
        public long Step { get; } = step;

        public Coroutine Coroutine { get; } = coroutine;

        public long FirstSeen { get; } = firstSeen;
    }
}
