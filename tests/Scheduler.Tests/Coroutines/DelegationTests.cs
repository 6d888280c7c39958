using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coroutines;

/// <summary>
/// Delegation, <c>yield return Child()</c> (Semantics 2): the child runs on the coroutine's own stack in the
/// same step, the parent resumes in the step the child ends, and nesting costs no round and no native stack.
/// </summary>
public class DelegationTests
{
    [Test]
    public void Delegate_ChildThatYields_StartsInSameStepAsParentYieldsIt()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        int round1 = loop.Tick();
        string afterRound1 = trace.ToString();
        int round2 = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(afterRound1, Is.EqualTo("parent@1 child-start@1"));
            Assert.That(trace.ToString(), Is.EqualTo("parent@1 child-start@1 child-end@2 parent-resumes@2"));
            Assert.That(string.Join(" ", new[] { round1, round2 }), Is.EqualTo("1 1"));
            Assert.That(coroutine.Steps, Is.EqualTo(2), "one yield in all (the child's): two steps");
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Parent()
        {
            trace.Add($"parent@{loop.StepCount}");
            yield return Child();
            trace.Add($"parent-resumes@{loop.StepCount}");
        }

        IEnumerator Child()
        {
            trace.Add($"child-start@{loop.StepCount}");
            yield return null;
            trace.Add($"child-end@{loop.StepCount}");
        }
    }

    [Test]
    public void Delegate_ChildThatNeverYields_ParentResumesInSameStep()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("parent@1 child@1 parent-resumes@1 parent-end@2"));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(coroutine.Steps, Is.EqualTo(2), "the parent's one yield: two steps; the child adds none");
        });

        IEnumerator Parent()
        {
            trace.Add($"parent@{loop.StepCount}");
            yield return Child();
            trace.Add($"parent-resumes@{loop.StepCount}");
            yield return null;
            trace.Add($"parent-end@{loop.StepCount}");
        }

        IEnumerator Child()
        {
            trace.Add($"child@{loop.StepCount}");
            yield break;
        }
    }

    [Test]
    public void Delegate_ChildYields_CountAsTheCoroutinesStepsAndRounds()
    {
        var rounds = new List<long>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        var perRound = new List<int>();
        for (int round = 1; round <= 7; round++)
        {
            perRound.Add(loop.Tick());
        }

        Assert.Multiple(() =>
        {
            // Parent yields once before and once after; the child yields three times: 5 yields, 6 steps.
            Assert.That(coroutine.Steps, Is.EqualTo(6));
            Assert.That(loop.StepCount, Is.EqualTo(6));
            Assert.That(string.Join(" ", perRound), Is.EqualTo("1 1 1 1 1 1 0"));
            Assert.That(string.Join(" ", rounds), Is.EqualTo("1 2 2 3 4 5 6"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Parent()
        {
            rounds.Add(loop.TickCount);
            yield return null;
            rounds.Add(loop.TickCount);
            yield return Child();
            rounds.Add(loop.TickCount);
            yield return null;
            rounds.Add(loop.TickCount);
        }

        IEnumerator Child()
        {
            for (int i = 0; i < 3; i++)
            {
                rounds.Add(loop.TickCount);
                yield return null;
            }
        }
    }

    [Test]
    public void Delegate_ChildYieldsWait_ParksWholeCoroutine()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        loop.Tick();
        CoroutineState whileWaiting = coroutine.State;
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(whileWaiting, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(trace.ToString(), Is.EqualTo("child@1 child-resumes@4 parent-resumes@4"));
            Assert.That(coroutine.Steps, Is.EqualTo(2));
        });

        IEnumerator Parent()
        {
            yield return Child();
            trace.Add($"parent-resumes@{loop.TickCount}");
        }

        IEnumerator Child()
        {
            trace.Add($"child@{loop.TickCount}");
            yield return Wait.Ticks(3);
            trace.Add($"child-resumes@{loop.TickCount}");
        }
    }

    [Test]
    public void Delegate_NestedThreeLevels_RunsAsOneStackInExactOrder()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Outer(), "outer");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("A1@1 B1@2 C1@2 C2@3 B2@3 B3@4 A2@4 A3@5"));
            Assert.That(steps, Is.EqualTo(5), "4 yields across the three levels: 5 steps");
            Assert.That(coroutine.Steps, Is.EqualTo(5));
            Assert.That(loop.TickCount, Is.EqualTo(6));
        });

        IEnumerator Outer()
        {
            trace.Add($"A1@{loop.TickCount}");
            yield return null;
            yield return Middle();
            trace.Add($"A2@{loop.TickCount}");
            yield return null;
            trace.Add($"A3@{loop.TickCount}");
        }

        IEnumerator Middle()
        {
            trace.Add($"B1@{loop.TickCount}");
            yield return Inner();
            trace.Add($"B2@{loop.TickCount}");
            yield return null;
            trace.Add($"B3@{loop.TickCount}");
        }

        IEnumerator Inner()
        {
            trace.Add($"C1@{loop.TickCount}");
            yield return null;
            trace.Add($"C2@{loop.TickCount}");
        }
    }

    [Test]
    public void Delegate_ChainOneHundredThousandDeep_CompletesOnThreadWith256KbStack()
    {
        const int Depth = 100_000;
        int leafRuns = 0;
        int unwound = 0;
        long steps = -1;
        long coroutineSteps = -1;
        CoroutineState state = CoroutineState.Ready;
        Exception? failure = null;

        var thread = new Thread(
            () =>
            {
                try
                {
                    using var loop = new EventLoop(new VirtualClock());
                    Coroutine coroutine = loop.Spawn(Chain(Depth), "chain");
                    steps = loop.RunUntilIdle();
                    coroutineSteps = coroutine.Steps;
                    state = coroutine.State;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            },
            maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();

        Assert.Multiple(() =>
        {
            Assert.That(failure, Is.Null);
            Assert.That(state, Is.EqualTo(CoroutineState.Completed));
            Assert.That(leafRuns, Is.EqualTo(2), "the leaf runs in step 1 and resumes in step 2");
            Assert.That(unwound, Is.EqualTo(Depth), "every level resumes after its child ends");
            Assert.That(coroutineSteps, Is.EqualTo(2), "the leaf's one yield is the only one: two steps");
            Assert.That(steps, Is.EqualTo(2));
        });

        IEnumerator Chain(int depth)
        {
            if (depth == 0)
            {
                leafRuns++;
                yield return null;
                leafRuns++;
                yield break;
            }

            yield return Chain(depth - 1);
            unwound++;
        }
    }

    [Test]
    public void Delegate_ThousandChildrenThatNeverYield_CostParentOneStep()
    {
        const int Children = 1_000;
        int childrenRun = 0;
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        int round1 = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(round1, Is.EqualTo(1));
            Assert.That(childrenRun, Is.EqualTo(Children));
            Assert.That(coroutine.Steps, Is.EqualTo(1));
            Assert.That(loop.StepCount, Is.EqualTo(1));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Parent()
        {
            for (int i = 0; i < Children; i++)
            {
                yield return Child();
            }
        }

        IEnumerator Child()
        {
            childrenRun++;
            yield break;
        }
    }

    [Test]
    public void Delegate_ChildAndParentEndNormally_FinallyBlocksRunInnermostFirstEachOnce()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "parent@1 child@1 child-end@2 child-finally@2 parent-resumes@2 parent-end@3 parent-finally@3"));
            Assert.That(steps, Is.EqualTo(3));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Parent()
        {
            try
            {
                trace.Add($"parent@{loop.StepCount}");
                yield return Child();
                trace.Add($"parent-resumes@{loop.StepCount}");
                yield return null;
                trace.Add($"parent-end@{loop.StepCount}");
            }
            finally
            {
                trace.Add($"parent-finally@{loop.StepCount}");
            }
        }

        IEnumerator Child()
        {
            try
            {
                trace.Add($"child@{loop.StepCount}");
                yield return null;
                trace.Add($"child-end@{loop.StepCount}");
            }
            finally
            {
                trace.Add($"child-finally@{loop.StepCount}");
            }
        }
    }

    [Test]
    public void Delegate_HandWrittenChildEnumerator_IsDisposedOnceWhenItEnds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var child = new TwoYields(trace, () => loop.StepCount);
        Coroutine coroutine = loop.Spawn(Parent(), "parent");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo(
                "MoveNext@1 MoveNext@2 MoveNext@3 Dispose@3 parent-resumes@3"));
            Assert.That(child.DisposeCalls, Is.EqualTo(1));
            Assert.That(steps, Is.EqualTo(3));
            Assert.That(coroutine.Steps, Is.EqualTo(3));
        });

        IEnumerator Parent()
        {
            yield return child;
            trace.Add($"parent-resumes@{loop.StepCount}");
        }
    }

    private sealed class TwoYields(Trace trace, Func<long> step) : IEnumerator, IDisposable
    {
        private int _moves;

        public int DisposeCalls { get; private set; }

        public object? Current => null;

        public bool MoveNext()
        {
            trace.Add($"MoveNext@{step()}");
            return ++_moves <= 2;
        }

        public void Reset() => throw new NotSupportedException();

        public void Dispose()
        {
            DisposeCalls++;
            trace.Add($"Dispose@{step()}");
        }
    }
}
