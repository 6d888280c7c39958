using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// Rounds and steps (Semantics 1 and 3): spawning runs nothing, the ready queue is FIFO, whatever becomes ready
/// during a round runs in the next one, and a body that yields k times takes k + 1 steps.
/// </summary>
public class RoundTests
{
    [Test]
    public void Spawn_RoutineWithSideEffectBeforeFirstYield_RunsNothingUntilFirstTick()
    {
        int ran = 0;
        using var loop = new EventLoop(new VirtualClock());

        Coroutine coroutine = loop.Spawn(Body(), "lazy");

        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.Zero, "spawning must not run the body");
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Ready));
            Assert.That(coroutine.Steps, Is.Zero);
            Assert.That(loop.StepCount, Is.Zero);
            Assert.That(loop.TickCount, Is.Zero);
            Assert.That(loop.ReadyCount, Is.EqualTo(1));
        });

        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(ran, Is.EqualTo(1), "the first line runs on the first step");
            Assert.That(coroutine.Steps, Is.EqualTo(1));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Ready));
        });

        IEnumerator Body()
        {
            ran++;
            yield return null;
            ran++;
        }
    }

    [Test]
    public void Spawn_RoutineThatNeverYields_RunsWholeBodyInFirstStep()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());

        Coroutine coroutine = loop.Spawn(Body());
        trace.Add("spawned");
        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("spawned body@1"));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(coroutine.Steps, Is.EqualTo(1));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Body()
        {
            trace.Add($"body@{loop.TickCount}");
            yield break;
        }
    }

    [Test]
    public void Tick_ThreeTasksThreeYieldsEach_InterleaveRoundRobinInFifoOrder()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine a = loop.Spawn(Body("a"), "a");
        Coroutine b = loop.Spawn(Body("b"), "b");
        Coroutine c = loop.Spawn(Body("c"), "c");
        var perRound = new List<int>();
        var endedAfterRound = new List<bool>();

        for (int round = 1; round <= 5; round++)
        {
            perRound.Add(loop.Tick());
            endedAfterRound.Add(a.IsEnded && b.IsEnded && c.IsEnded);
        }

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "r1:a0 r1:b0 r1:c0 r2:a1 r2:b1 r2:c1 r3:a2 r3:b2 r3:c2 r4:a-end r4:b-end r4:c-end"));
            Assert.That(string.Join(" ", perRound), Is.EqualTo("3 3 3 3 0"));
            Assert.That(string.Join(" ", endedAfterRound), Is.EqualTo("False False False True True"));
            Assert.That(loop.StepCount, Is.EqualTo(12));
            Assert.That(loop.TickCount, Is.EqualTo(5));
            Assert.That(string.Join(" ", new[] { a.Steps, b.Steps, c.Steps }), Is.EqualTo("4 4 4"));
            Assert.That(new[] { a.State, b.State, c.State }, Is.All.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Body(string name)
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"r{loop.TickCount}:{name}{i}");
                yield return null;
            }

            trace.Add($"r{loop.TickCount}:{name}-end");
        }
    }

    [Test]
    public void Spawn_DuringStep_RunsNextRoundAfterTasksAlreadyQueued()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine? spawned = null;
        loop.Spawn(Spawner(), "a");
        loop.Spawn(Plain("b"), "b");

        int round1 = loop.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r1:a r1:b"), "the spawned task must not run in the round it was spawned");
            Assert.That(spawned, Is.Not.Null);
            Assert.That(spawned!.State, Is.EqualTo(CoroutineState.Ready));
            Assert.That(spawned.Steps, Is.Zero);
        });

        int round2 = loop.Tick();
        int round3 = loop.Tick();

        Assert.Multiple(() =>
        {
            // Round 1 ends with the queue [c (spawned by a), a (requeued after the spawn), b].
            Assert.That(trace.ToString(), Is.EqualTo("r1:a r1:b r2:c r2:a-end r2:b-end"));
            Assert.That(string.Join(" ", new[] { round1, round2, round3 }), Is.EqualTo("2 3 0"));
            Assert.That(spawned!.Steps, Is.EqualTo(1));
            Assert.That(loop.StepCount, Is.EqualTo(5));
        });

        IEnumerator Spawner()
        {
            trace.Add($"r{loop.TickCount}:a");
            spawned = loop.Spawn(Child(), "c");
            yield return null;
            trace.Add($"r{loop.TickCount}:a-end");
        }

        IEnumerator Child()
        {
            trace.Add($"r{loop.TickCount}:c");
            yield break;
        }

        IEnumerator Plain(string name)
        {
            trace.Add($"r{loop.TickCount}:{name}");
            yield return null;
            trace.Add($"r{loop.TickCount}:{name}-end");
        }
    }

    [Test]
    public void Tick_TaskWokenDuringRound_RunsNextRoundBehindTasksAlreadyReady()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine other = loop.Spawn(Other(), "other");
        Coroutine worker = loop.Spawn(Worker(), "worker");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");

        var perRound = new List<int>();
        for (int round = 1; round <= 5; round++)
        {
            perRound.Add(loop.Tick());
            if (round == 2)
            {
                Assert.That(joiner.State, Is.EqualTo(CoroutineState.Ready), "woken in round 2 but not yet run");
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "r1:other0 r1:worker r1:joiner-joins " +
                "r2:other1 r2:worker-end " +
                "r3:other2 r3:joiner-resumes " +
                "r4:other-end"));
            Assert.That(string.Join(" ", perRound), Is.EqualTo("3 2 2 1 0"));
            Assert.That(worker.Steps, Is.EqualTo(2));
            Assert.That(joiner.Steps, Is.EqualTo(2));
            Assert.That(other.Steps, Is.EqualTo(4));
        });

        IEnumerator Worker()
        {
            trace.Add($"r{loop.TickCount}:worker");
            yield return null;
            trace.Add($"r{loop.TickCount}:worker-end");
        }

        IEnumerator Joiner()
        {
            trace.Add($"r{loop.TickCount}:joiner-joins");
            yield return worker;
            trace.Add($"r{loop.TickCount}:joiner-resumes");
        }

        IEnumerator Other()
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"r{loop.TickCount}:other{i}");
                yield return null;
            }

            trace.Add($"r{loop.TickCount}:other-end");
        }
    }

    [Test]
    public void Tick_RequeuedTask_RunsAfterEveryOtherReadyTaskHadItsTurn()
    {
        // "greedy" yields as often as it can, but never gets two turns in one round: after it yields, every
        // other ready task (including one spawned in its step, before it requeued) runs first. null,
        // Wait.NextTick and Wait.Ticks(1) are the same requeue.
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Greedy(), "greedy");
        loop.Spawn(Polite("next", Wait.NextTick), "next");
        loop.Spawn(Polite("ticks", Wait.Ticks(1)), "ticks");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "r1:greedy0 r1:next0 r1:ticks0 " +
                "r2:late r2:greedy1 r2:next1 r2:ticks1 " +
                "r3:greedy2 r3:next-end r3:ticks-end " +
                "r4:greedy-end"));
            Assert.That(steps, Is.EqualTo(11));
            Assert.That(loop.TickCount, Is.EqualTo(5), "four rounds with steps and the empty round that ends RunUntilIdle");
        });

        IEnumerator Greedy()
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"r{loop.TickCount}:greedy{i}");
                if (i == 0)
                {
                    loop.Spawn(Late(), "late");
                }

                yield return null;
            }

            trace.Add($"r{loop.TickCount}:greedy-end");
        }

        IEnumerator Late()
        {
            trace.Add($"r{loop.TickCount}:late");
            yield break;
        }

        IEnumerator Polite(string name, WaitCondition next)
        {
            for (int i = 0; i < 2; i++)
            {
                trace.Add($"r{loop.TickCount}:{name}{i}");
                yield return next;
            }

            trace.Add($"r{loop.TickCount}:{name}-end");
        }
    }

    [Test]
    public void Tick_SeedCountdownFromFive_RecordsFiveToOneInSixStepsAndCompletesInRoundSix()
    {
        // The seed's generator: i = 5; while i > 0: yield i; i -= 1
        var recorded = new List<int>();
        long completedInRound = 0;
        using var loop = new EventLoop(new VirtualClock());
        Coroutine countdown = loop.Spawn(Yielder(), "yielder");

        var perRound = new List<int>();
        var completedAfter = new List<bool>();
        for (int round = 1; round <= 7; round++)
        {
            perRound.Add(loop.Tick());
            completedAfter.Add(countdown.State == CoroutineState.Completed);
        }

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(" ", recorded), Is.EqualTo("5 4 3 2 1"));
            Assert.That(countdown.Steps, Is.EqualTo(6), "5 yields and the final step that ends it");
            Assert.That(loop.StepCount, Is.EqualTo(6));
            Assert.That(completedInRound, Is.EqualTo(6));
            Assert.That(string.Join(" ", perRound), Is.EqualTo("1 1 1 1 1 1 0"));
            Assert.That(string.Join(" ", completedAfter), Is.EqualTo("False False False False False True True"));
        });

        IEnumerator Yielder()
        {
            int i = 5;
            while (i > 0)
            {
                recorded.Add(i);
                yield return null;
                i--;
            }

            completedInRound = loop.TickCount;
        }
    }

    [Test]
    public void RunUntilIdle_SeedCountdown_RunsSixStepsThenOneEmptyRound()
    {
        var recorded = new List<int>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine countdown = loop.Spawn(Yielder());

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(" ", recorded), Is.EqualTo("5 4 3 2 1"));
            Assert.That(steps, Is.EqualTo(6));
            Assert.That(countdown.Steps, Is.EqualTo(6));
            Assert.That(countdown.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loop.TickCount, Is.EqualTo(7));
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Yielder()
        {
            for (int i = 5; i > 0; i--)
            {
                recorded.Add(i);
                yield return null;
            }
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    public void Tick_BodyThatYieldsKTimes_TakesKPlusOneStepsAndReadsRoundNumberInEachStep(int k)
    {
        var roundsSeen = new List<long>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body());

        var perRound = new List<int>();
        while (!coroutine.IsEnded)
        {
            Assert.That(perRound, Has.Count.LessThan(k + 1), "the coroutine should have ended by round k + 1");
            perRound.Add(loop.Tick());
        }

        long[] expectedRounds = Enumerable.Range(1, k + 1).Select(r => (long)r).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(coroutine.Steps, Is.EqualTo(k + 1));
            Assert.That(loop.StepCount, Is.EqualTo(k + 1));
            Assert.That(loop.TickCount, Is.EqualTo(k + 1), "completes in round k + 1");
            Assert.That(roundsSeen, Is.EqualTo(expectedRounds), "TickCount during round r reads r");
            Assert.That(perRound, Is.All.EqualTo(1));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Body()
        {
            for (int i = 0; i < k; i++)
            {
                roundsSeen.Add(loop.TickCount);
                yield return null;
            }

            roundsSeen.Add(loop.TickCount);
        }
    }

    [Test]
    public void Tick_TasksOfDifferentLengths_ReturnsStepsRunInEachRound()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine[] tasks = [loop.Spawn(Yields(0)), loop.Spawn(Yields(1)), loop.Spawn(Yields(3)), loop.Spawn(Yields(1))];

        var perRound = new List<int>();
        for (int round = 1; round <= 5; round++)
        {
            perRound.Add(loop.Tick());
        }

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(" ", perRound), Is.EqualTo("4 3 1 1 0"));
            Assert.That(string.Join(" ", tasks.Select(t => t.Steps)), Is.EqualTo("1 2 4 2"));
            Assert.That(loop.StepCount, Is.EqualTo(9));
        });

        static IEnumerator Yields(int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return null;
            }
        }
    }

    [Test]
    public void Spawn_HandWrittenEnumerator_RunsAsTaskAndIsDisposedOnceWhenItEnds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var routine = new HandWrittenRoutine(trace, () => loop.TickCount, Wait.NextTick, null, Wait.Ticks(2));

        Coroutine coroutine = loop.Spawn(routine, "hand-written");
        var perRound = new List<int>();
        var disposalsAfterRound = new List<int>();
        for (int round = 1; round <= 6; round++)
        {
            perRound.Add(loop.Tick());
            disposalsAfterRound.Add(routine.DisposeCalls);
        }

        Assert.Multiple(() =>
        {
            // Yields NextTick (round 1), null (round 2), Ticks(2) (round 3, so it resumes in round 5) and then ends.
            Assert.That(trace.ToString(), Is.EqualTo(
                "MoveNext@1 MoveNext@2 MoveNext@3 MoveNext@5 Dispose@5"));
            Assert.That(string.Join(" ", perRound), Is.EqualTo("1 1 1 0 1 0"));
            Assert.That(string.Join(" ", disposalsAfterRound), Is.EqualTo("0 0 0 0 1 1"));
            Assert.That(routine.MoveNextCalls, Is.EqualTo(4), "MoveNext is not called again once it returned false");
            Assert.That(coroutine.Steps, Is.EqualTo(4));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        loop.Dispose();
        Assert.That(routine.DisposeCalls, Is.EqualTo(1), "disposing the loop must not dispose an ended task again");
    }

    /// <summary>A class-based iterator (the seed's <c>__iter__</c>/<c>__next__</c>): yields the given values, then ends.</summary>
    private sealed class HandWrittenRoutine(Trace trace, Func<long> round, params object?[] values) : IEnumerator, IDisposable
    {
        private int _index = -1;

        public int MoveNextCalls { get; private set; }

        public int DisposeCalls { get; private set; }

        public object? Current => _index >= 0 && _index < values.Length
            ? values[_index]
            : throw new InvalidOperationException("Current read outside the sequence.");

        public bool MoveNext()
        {
            MoveNextCalls++;
            trace.Add($"MoveNext@{round()}");
            _index++;
            return _index < values.Length;
        }

        public void Reset() => throw new NotSupportedException();

        public void Dispose()
        {
            DisposeCalls++;
            trace.Add($"Dispose@{round()}");
        }
    }

    [Test]
    public void Spawn_ManyDuringAStep_QueueGrowsUnderTheRunningCoroutineWithoutLosingIt()
    {
        // The ready queue keeps the running coroutine in its slot (that is where Current reads it), so growing
        // the queue in the middle of a step must carry it along: Current stays right, the spawner is requeued
        // once, and every child runs exactly once, next round, in spawn order.
        using var loop = new EventLoop(new VirtualClock());
        var trace = new Trace();
        Coroutine? seenAfterSpawns = null;
        Coroutine spawner = loop.Spawn(Spawner(), "spawner");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(seenAfterSpawns, Is.SameAs(spawner));
            Assert.That(trace.Events, Has.Count.EqualTo(101));
            Assert.That(trace.Events[0], Is.EqualTo("child0@2"));
            Assert.That(trace.Events[99], Is.EqualTo("child99@2"));
            Assert.That(trace.Events[100], Is.EqualTo("spawner-end@2"));
            Assert.That(steps, Is.EqualTo(102));
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Spawner()
        {
            for (int i = 0; i < 100; i++)
            {
                loop.Spawn(Child(i));
            }

            seenAfterSpawns = loop.Current;
            yield return null;
            trace.Add($"spawner-end@{loop.TickCount}");
        }

        IEnumerator Child(int i)
        {
            trace.Add($"child{i}@{loop.TickCount}");
            yield break;
        }
    }
}
