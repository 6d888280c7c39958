using Scheduler.Tests.Support;

namespace Scheduler.Tests.Waits;

/// <summary>Timers: <see cref="Wait.For"/> on a <see cref="VirtualClock"/> (DESIGN.md Semantics 3, 6, 7).</summary>
public class TimerTests
{
    private static readonly TimeSpan s_second = TimeSpan.FromSeconds(1);

    private static IEnumerable<TimeSpan> NeverDurations() => [TimeSpan.MaxValue, Timeout.InfiniteTimeSpan];

    [Test]
    public void WaitFor_SleepersOfThreeOneAndTwoSeconds_WakeInDeadlineOrderAtTheirDeadlines()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        foreach (int seconds in new[] { 3, 1, 2 })
        {
            loop.Spawn(Sleeper(seconds), $"s{seconds}");
        }

        long steps = loop.RunUntilIdle();

        // Round 1 sets the three timers; each later deadline takes an empty round (then a jump) and a round that wakes.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("s1@00:00:01#3 s2@00:00:02#5 s3@00:00:03#7"));
            Assert.That(steps, Is.EqualTo(6));
            Assert.That(loop.TickCount, Is.EqualTo(8));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Sleeper(int seconds)
        {
            yield return Wait.For(TimeSpan.FromSeconds(seconds));
            trace.Add($"s{seconds}@{clock.Elapsed}#{loop.TickCount}");
        }
    }

    [Test]
    public void WaitFor_ThousandEqualDeadlines_FireInTheOrderTheyWereSetNotInSpawnOrder()
    {
        const int count = 1000;
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        TimeSpan deadline = TimeSpan.FromTicks(10 * count); // later than every first sleep
        var setOrder = new List<int>();
        var wakeOrder = new List<int>();
        var wakeRounds = new HashSet<long>();
        var wakeTimes = new HashSet<TimeSpan>();
        for (int i = 0; i < count; i++)
        {
            loop.Spawn(Sleeper(i));
        }

        loop.RunUntilIdle();

        // The first sleep of i lasts 1 + (i * 7919 % 1000) ticks: a scrambled permutation of 1..1000.
        int[] expectedSetOrder = [.. Enumerable.Range(0, count).OrderBy(i => i * 7919 % count)];
        Assert.Multiple(() =>
        {
            Assert.That(setOrder, Is.EqualTo(expectedSetOrder));
            Assert.That(setOrder, Is.Not.EqualTo(Enumerable.Range(0, count)));
            Assert.That(wakeOrder, Is.EqualTo(setOrder));
            Assert.That(wakeRounds, Has.Count.EqualTo(1), "all equal deadlines fire in one round");
            Assert.That(wakeTimes, Is.EquivalentTo(new[] { deadline }));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Sleeper(int i)
        {
            yield return Wait.For(TimeSpan.FromTicks(1 + (i * 7919 % count)));
            setOrder.Add(i);
            yield return Wait.For(deadline - clock.Elapsed); // every second timer has the same deadline
            wakeOrder.Add(i);
            wakeRounds.Add(loop.TickCount);
            wakeTimes.Add(clock.Elapsed);
        }
    }

    [TestCase(-1L)]
    [TestCase(-9_999L)]
    [TestCase(-10_001L)]
    [TestCase(-10_000_000L)]
    [TestCase(long.MinValue)]
    public void WaitFor_NegativeDuration_ThrowsArgumentOutOfRangeNamingDuration(long ticks)
    {
        ArgumentOutOfRangeException? error = Assert.Throws<ArgumentOutOfRangeException>(() => Wait.For(TimeSpan.FromTicks(ticks)));

        Assert.That(error!.ParamName, Is.EqualTo("duration"));
    }

    [TestCaseSource(nameof(NeverDurations))]
    public void WaitFor_InfiniteDuration_NeverFiresAndHoldsNoTimer(TimeSpan duration)
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine sleeper = loop.Spawn(Sleeper());

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(loop.TickCount, Is.EqualTo(2));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
            Assert.That(trace.ToString(), Is.Empty);
        });

        // Only cancel ends it.
        Assert.That(sleeper.Cancel(), Is.True);
        Assert.That(loop.RunUntilIdle(), Is.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(trace.ToString(), Is.EqualTo("finally"));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });

        IEnumerator Sleeper()
        {
            try
            {
                yield return Wait.For(duration);
                trace.Add("woke");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void WaitFor_DeadlineBeyondTheClockRange_NeverFiresAndDoesNotOverflow()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        clock.Advance(TimeSpan.FromHours(1));
        TimeSpan duration = TimeSpan.MaxValue - TimeSpan.FromMinutes(30); // now (1 h) + duration overflows
        bool woke = false;
        Coroutine sleeper = loop.Spawn(Sleeper());

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(woke, Is.False);
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromHours(1)));
        });

        IEnumerator Sleeper()
        {
            yield return Wait.For(duration);
            woke = true;
        }
    }

    [Test]
    public void WaitForZero_YieldedInRoundR_ResumesInRoundRPlusOne()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        long yieldedIn = 0;
        long resumedIn = 0;
        loop.Spawn(Body());

        int[] stepsPerRound = [loop.Tick(), loop.Tick()];
        int timersAfterYield = loop.PendingTimerCount;
        int stepsOfResumeRound = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 1 }));
            Assert.That(yieldedIn, Is.EqualTo(2));
            Assert.That(timersAfterYield, Is.EqualTo(1));
            Assert.That(stepsOfResumeRound, Is.EqualTo(1));
            Assert.That(resumedIn, Is.EqualTo(3));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });

        IEnumerator Body()
        {
            yield return null;
            yieldedIn = loop.TickCount;
            yield return Wait.For(TimeSpan.Zero);
            resumedIn = loop.TickCount;
        }
    }

    [Test]
    public void WaitFor_DeadlineReachedExactlyByAdvance_FiresInTheNextTick()
    {
        var trace = new Trace();
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        Coroutine sleeper = loop.Spawn(Sleeper());
        loop.Tick();

        clock.Advance(TimeSpan.FromMilliseconds(999));
        int stepsBeforeDeadline = loop.Tick();
        clock.Advance(TimeSpan.FromMilliseconds(1)); // now == deadline
        int stepsAtDeadline = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(stepsBeforeDeadline, Is.Zero);
            Assert.That(stepsAtDeadline, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.EqualTo("woke@00:00:01#3"));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Sleeper()
        {
            yield return Wait.For(s_second);
            trace.Add($"woke@{clock.Elapsed}#{loop.TickCount}");
        }
    }

    [Test]
    public void Tick_WithAutoAdvanceAndAPendingTimer_NeverMovesTheClock()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine sleeper = loop.Spawn(Sleeper());

        var stepsPerRound = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            stepsPerRound.Add(loop.Tick());
        }

        Assert.Multiple(() =>
        {
            Assert.That(stepsPerRound, Is.EqualTo(new List<int> { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(loop.PendingTimerCount, Is.EqualTo(1));
        });

        static IEnumerator Sleeper()
        {
            yield return Wait.For(s_second);
        }
    }

    [Test]
    public void RunUntilIdle_AutoAdvanceOverAnHourOfOneSecondSleeps_JumpsToEachDeadline()
    {
        const int sleeps = 3600;
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        int woken = 0;
        var mistimed = new List<string>();
        Coroutine hourly = loop.Spawn(Hourly());

        long steps = loop.RunUntilIdle(maxSteps: 10_000);

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(sleeps + 1));
            Assert.That(woken, Is.EqualTo(sleeps));
            Assert.That(mistimed, Is.Empty);
            Assert.That(hourly.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(clock.GetUtcNow(), Is.EqualTo(VirtualClock.DefaultStart + TimeSpan.FromHours(1)));
            Assert.That(loop.TickCount, Is.EqualTo((2 * sleeps) + 2), "a round that sets, an empty round (then a jump), per sleep");
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Hourly()
        {
            for (int i = 1; i <= sleeps; i++)
            {
                yield return Wait.For(s_second);
                woken++;
                if (clock.Elapsed != TimeSpan.FromSeconds(i))
                {
                    mistimed.Add($"{i}: {clock.Elapsed}");
                }
            }
        }
    }

    [Test]
    public void RunUntilIdle_WithoutAutoAdvance_ReturnsWithTheTimerPending()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        Coroutine sleeper = loop.Spawn(Sleeper());

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(loop.TickCount, Is.EqualTo(2));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(loop.PendingTimerCount, Is.EqualTo(1));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });

        clock.Advance(s_second);
        long stepsAfterAdvance = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(stepsAfterAdvance, Is.EqualTo(1));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        static IEnumerator Sleeper()
        {
            yield return Wait.For(s_second);
        }
    }

    [Test]
    public void WaitFor_FiredTimer_LeavesNoPendingTimer()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        bool woke = false;
        loop.Spawn(Sleeper());
        loop.Tick();
        int pendingWhileWaiting = loop.PendingTimerCount;

        clock.Advance(s_second);
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(pendingWhileWaiting, Is.EqualTo(1));
            Assert.That(woke, Is.True);
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });

        IEnumerator Sleeper()
        {
            yield return Wait.For(s_second);
            woke = true;
            yield return null; // still alive after the wake: the timer is gone all the same
        }
    }

    [Test]
    public void Cancel_SleepingCoroutine_RemovesItsTimerAtOnce()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        Coroutine sleeper = loop.Spawn(Sleeper());
        loop.Tick();
        int pendingBefore = loop.PendingTimerCount;

        bool canceled = sleeper.Cancel();
        int pendingAfterCancel = loop.PendingTimerCount;
        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(pendingBefore, Is.EqualTo(1));
            Assert.That(canceled, Is.True);
            Assert.That(pendingAfterCancel, Is.Zero);
            Assert.That(steps, Is.EqualTo(1), "the disposal turn");
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(trace.ToString(), Is.EqualTo("finally"));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.Zero), "no timer left to jump to");
        });

        IEnumerator Sleeper()
        {
            try
            {
                yield return Wait.For(TimeSpan.FromMinutes(1));
                trace.Add("woke");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void Cancel_HalfOfManySleepers_RemovesExactlyTheirTimers()
    {
        const int count = 100;
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var woke = new List<int>();
        var sleepers = new List<Coroutine>();
        for (int i = 0; i < count; i++)
        {
            sleepers.Add(loop.Spawn(Sleeper(i)));
        }

        loop.Tick();
        for (int i = 1; i < count; i += 2)
        {
            sleepers[i].Cancel();
        }

        int pendingAfterCancel = loop.PendingTimerCount;
        loop.RunUntilIdle();

        int[] expected = [.. Enumerable.Range(0, count).Where(i => i % 2 == 0).OrderBy(Seconds)];
        Assert.Multiple(() =>
        {
            Assert.That(pendingAfterCancel, Is.EqualTo(count / 2));
            Assert.That(woke, Is.EqualTo(expected));
            Assert.That(loop.PendingTimerCount, Is.Zero);
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(expected.Max(Seconds))));
        });

        static int Seconds(int i) => 1 + (i * 37 % count);

        IEnumerator Sleeper(int i)
        {
            yield return Wait.For(TimeSpan.FromSeconds(Seconds(i)));
            if (clock.Elapsed == TimeSpan.FromSeconds(Seconds(i)))
            {
                woke.Add(i);
            }
        }
    }

    [Test]
    public void WaitFor_SameDuration_ReturnsTheCachedInstance()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        TimeSpan quarter = TimeSpan.FromMilliseconds(250);
        WaitCondition second = Wait.For(s_second);
        WaitCondition secondAgain = Wait.For(s_second);
        var yielded = new List<WaitCondition>();
        Coroutine sleeper = loop.Spawn(Sleeper());

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(secondAgain, Is.SameAs(second));
            Assert.That(yielded, Has.Count.EqualTo(5));
            Assert.That(yielded, Is.All.SameAs(yielded[0]));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(clock.Elapsed, Is.EqualTo(TimeSpan.FromMilliseconds(1250)), "each yield sets its own deadline");
        });

        IEnumerator Sleeper()
        {
            for (int i = 0; i < 5; i++)
            {
                WaitCondition wait = Wait.For(quarter);
                yielded.Add(wait);
                yield return wait;
            }
        }
    }

    [Test]
    public void WaitFor_OneInstanceSharedBySleepersSetAtDifferentTimes_EachGetsItsOwnDeadline()
    {
        var trace = new Trace();
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        WaitCondition shared = Wait.For(s_second);
        loop.Spawn(Sleeper("a", TimeSpan.Zero));
        loop.Spawn(Sleeper("b", TimeSpan.FromMilliseconds(500)));

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("a@00:00:01 b@00:00:01.5000000"));

        IEnumerator Sleeper(string name, TimeSpan first)
        {
            if (first > TimeSpan.Zero)
            {
                yield return Wait.For(first);
            }

            yield return shared;
            trace.Add($"{name}@{clock.Elapsed}");
        }
    }
}
