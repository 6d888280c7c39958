using System.Threading.Tasks.Sources;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Bridges;

/// <summary>
/// A coroutine waits for a .NET task (<c>yield return task</c>, <c>Wait.ForTask</c>, <c>Wait.Offload</c>): it resumes
/// on the loop thread in an exact round, reads the value, faults with the task's own exception, ends canceled
/// with a canceled task, and a registration left behind by a cancel is ignored. Timeouts are safety nets only.
/// </summary>
public class TaskWaitTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    [Test]
    public void YieldTask_AlreadyCompleted_ResumesNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");

        long steps = loop.RunUntilIdle();

        // Round 1 yields a finished task (the step still ends), round 2 resumes; likewise rounds 2 -> 3.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("task@1 resumed@2 value@2 resumed@3:7"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(coroutine.Steps, Is.EqualTo(3));
            Assert.That(steps, Is.EqualTo(3));
        });

        IEnumerator Body()
        {
            trace.Add($"task@{loop.TickCount}");
            yield return Task.CompletedTask;
            trace.Add($"resumed@{loop.TickCount}");
            var value = Wait.ForTask(Task.FromResult(7));
            trace.Add($"value@{loop.TickCount}");
            yield return value;
            trace.Add($"resumed@{loop.TickCount}:{value.Result}");
        }
    }

    [Test]
    public void WaitForTask_CompletedFromTestThreadBetweenTicks_ResumesInNextTickOnLoopThread()
    {
        var trace = new Trace();
        var source = new TaskCompletionSource<int>();
        int loopThread = Environment.CurrentManagedThreadId;
        int resumedOn = 0;
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");

        Assert.That(loop.Tick(), Is.EqualTo(1)); // round 1: parks on the task
        Assert.That(loop.Tick(), Is.Zero);       // round 2: nothing to do
        source.SetResult(42);                    // no user code runs here: the completion is posted

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Waiting));
        });

        Assert.That(loop.Tick(), Is.EqualTo(1)); // round 3: phase (a) wakes it, phase (c) steps it

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 resumed@3:42"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(resumedOn, Is.EqualTo(loopThread));
        });

        IEnumerator Body()
        {
            trace.Add($"wait@{loop.TickCount}");
            var wait = Wait.ForTask(source.Task);
            yield return wait;
            resumedOn = Environment.CurrentManagedThreadId;
            trace.Add($"resumed@{loop.TickCount}:{wait.Result}");
        }
    }

    [Test]
    public void YieldTask_CompletedOnAnotherThread_RunsNothingThereAndResumesOnLoopThread()
    {
        var trace = new Trace();
        var source = new TaskCompletionSource<string>();
        int loopThread = Environment.CurrentManagedThreadId;
        int resumedOn = 0;
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");
        loop.Tick();

        int completerThread = 0;
        var completer = new Thread(() =>
        {
            completerThread = Environment.CurrentManagedThreadId;
            source.SetResult("done");
        });
        completer.Start();
        Assert.That(completer.Join(s_safetyNet), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1"), "the completing thread ran none of the coroutine");
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Waiting));
        });

        Assert.That(loop.Tick(), Is.EqualTo(1));

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 resumed@2:done"));
            Assert.That(resumedOn, Is.EqualTo(loopThread).And.Not.EqualTo(completerThread));
        });

        IEnumerator Body()
        {
            trace.Add($"wait@{loop.TickCount}");
            Task<string> task = source.Task;
            yield return task;                   // a Task<T> yielded directly
            resumedOn = Environment.CurrentManagedThreadId;
            trace.Add($"resumed@{loop.TickCount}:{task.GetAwaiter().GetResult()}");
        }
    }

    [Test]
    public void YieldTask_CompletedByAnotherCoroutine_ResumesInTheNextRound()
    {
        var trace = new Trace();
        var source = new TaskCompletionSource();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Waiter(), "waiter");
        loop.Spawn(Completer(), "completer");

        loop.RunUntilIdle();

        // The completer finishes the task in round 2, on the loop thread: the waiter is queued at once (no
        // trip through the inbox) and runs in round 3, like a coroutine woken by a join.
        Assert.That(trace.ToString(), Is.EqualTo("wait@1 set@2 resumed@3"));

        IEnumerator Waiter()
        {
            trace.Add($"wait@{loop.TickCount}");
            yield return source.Task;
            trace.Add($"resumed@{loop.TickCount}");
        }

        IEnumerator Completer()
        {
            yield return null;
            trace.Add($"set@{loop.TickCount}");
            source.SetResult();
        }
    }

    [TestCase(true, TestName = "WaitForTask_AlreadyFaulted_FaultsWithTheTasksOwnException")]
    [TestCase(false, TestName = "WaitForTask_FaultsLater_FaultsWithTheTasksOwnException")]
    public void WaitForTask_Faulted_FaultsWithTheTasksOwnException(bool alreadyFaulted)
    {
        var trace = new Trace();
        var error = new FormatException("bad input");
        var source = new TaskCompletionSource<int>();
        if (alreadyFaulted)
        {
            source.SetException(error);
        }

        var unobserved = new List<string?>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Coroutine?.Name);
        Coroutine coroutine = loop.Spawn(Body(), "body");
        Coroutine joiner = loop.Spawn(Join(coroutine), "joiner");

        loop.Tick();
        if (!alreadyFaulted)
        {
            source.SetException(error);
        }

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 finally@2"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Exception, Is.SameAs(error), "the task's own exception, not an AggregateException");
            Assert.That(joiner.Exception, Is.SameAs(error));
            Assert.That(coroutine.Steps, Is.EqualTo(2));
            Assert.That(string.Join(",", unobserved), Is.EqualTo("joiner"), "the body's fault was observed by its joiner, which nobody joins");
        });

        IEnumerator Body()
        {
            try
            {
                trace.Add($"wait@{loop.TickCount}");
                yield return Wait.ForTask(source.Task);
                trace.Add("never");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void WaitForTask_FaultedWithSeveralExceptions_FaultsWithTheFirst()
    {
        var first = new InvalidOperationException("first");
        var second = new ArgumentException("second");
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");
        loop.UnobservedFault += (_, _) => { };

        loop.RunUntilIdle();

        Assert.That(coroutine.Exception, Is.SameAs(first));

        IEnumerator Body()
        {
            yield return Task.WhenAll(Task.FromException(first), Task.FromException(second));
        }
    }

    [Test]
    public void WaitForTask_Canceled_CoroutineAndItsJoinerEndCanceledWithoutAFault()
    {
        var trace = new Trace();
        var source = new TaskCompletionSource<int>();
        var unobserved = new List<Exception>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Exception);
        Coroutine coroutine = loop.Spawn(Body(), "body");
        Coroutine joiner = loop.Spawn(Join(coroutine), "joiner");

        loop.Tick();
        source.SetCanceled();
        loop.RunUntilIdle();

        // Round 2: the completion is taken from the inbox and the coroutine's turn is its disposal; the
        // joiner inherits the cancellation in round 3.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 finally@2"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(coroutine.Exception, Is.Null);
            Assert.That(coroutine.Steps, Is.EqualTo(2));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(unobserved, Is.Empty, "cancellation is not a fault");
            Assert.That(() => loop.RunUntilComplete(coroutine), Throws.InstanceOf<OperationCanceledException>());
        });

        IEnumerator Body()
        {
            try
            {
                trace.Add($"wait@{loop.TickCount}");
                yield return source.Task;
                trace.Add("never");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void WaitAny_CanceledTaskFiresFirst_TheWaiterEndsCanceled()
    {
        var source = new TaskCompletionSource();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");
        loop.Tick();

        source.SetCanceled();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(loop.PendingTimerCount, Is.Zero, "the other branch's timer was removed");
        });

        IEnumerator Body()
        {
            yield return Wait.Any(Wait.ForTask(source.Task), Wait.For(TimeSpan.FromHours(1)));
        }
    }

    [Test]
    public void WaitForTask_WhenAnyOfCanceledTask_ResumesAndInspectsTheOutcome()
    {
        using var loop = new EventLoop(new VirtualClock());
        TaskStatus seen = default;
        Coroutine coroutine = loop.Spawn(Body(), "body");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(seen, Is.EqualTo(TaskStatus.Canceled));
        });

        IEnumerator Body()
        {
            Task canceled = Task.FromCanceled(new CancellationToken(canceled: true));
            yield return Task.WhenAny(canceled);   // completes whatever the outcome
            seen = canceled.Status;
        }
    }

    [Test]
    public void Cancel_WhileWaitingForTask_LaterCompletionIsIgnored()
    {
        var trace = new Trace();
        var source = new TaskCompletionSource();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");
        loop.Tick();

        Assert.That(coroutine.Cancel(), Is.True);
        Assert.That(loop.Tick(), Is.EqualTo(1)); // round 2: the disposal turn
        source.SetResult();                      // the stale registration fires now

        Assert.Multiple(() =>
        {
            Assert.That(loop.Tick(), Is.Zero, "the late completion wakes nobody");
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 finally@2"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(coroutine.Steps, Is.EqualTo(2));
        });

        IEnumerator Body()
        {
            try
            {
                trace.Add($"wait@{loop.TickCount}");
                yield return source.Task;
                trace.Add("never");
            }
            finally
            {
                trace.Add($"finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void WaitAny_TaskLosesToTimeout_ItsLateCompletionDoesNotWakeTheNextWait()
    {
        var trace = new Trace();
        var slow = new TaskCompletionSource<int>();
        var next = new TaskCompletionSource<int>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");

        loop.Tick();                              // round 1: Any(slow, 2 rounds)
        loop.Tick();                              // round 2
        loop.Tick();                              // round 3: the rounds fire; the coroutine parks on `next`
        slow.SetResult(1);                        // late: its registration was removed when Any decided
        Assert.That(loop.Tick(), Is.Zero, "round 4: nothing wakes");
        next.SetResult(2);
        Assert.That(loop.Tick(), Is.EqualTo(1), "round 5: the real completion wakes it");

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("any@1 fired=1@3 next=2@5"));
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Body()
        {
            trace.Add($"any@{loop.TickCount}");
            AnyWait any = Wait.Any(Wait.ForTask(slow.Task), Wait.Ticks(2));
            yield return any;
            trace.Add($"fired={any.FiredIndex}@{loop.TickCount}");
            var wait = Wait.ForTask(next.Task);
            yield return wait;
            trace.Add($"next={wait.Result}@{loop.TickCount}");
        }
    }

    [Test]
    public void WaitAll_TwoTasks_ResumesOnceBothHaveCompleted()
    {
        var trace = new Trace();
        var first = new TaskCompletionSource<int>();
        var second = new TaskCompletionSource<int>();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body(), "body");

        loop.Tick();
        first.SetResult(1);
        Assert.That(loop.Tick(), Is.Zero, "round 2: one of two");
        second.SetResult(2);
        Assert.That(loop.Tick(), Is.EqualTo(1), "round 3: both");

        Assert.That(trace.ToString(), Is.EqualTo("all@1 sum=3@3"));

        IEnumerator Body()
        {
            trace.Add($"all@{loop.TickCount}");
            var a = Wait.ForTask(first.Task);
            var b = Wait.ForTask(second.Task);
            yield return Wait.All(a, b);
            trace.Add($"sum={a.Result + b.Result}@{loop.TickCount}");
        }
    }

    [Test]
    public void WaitForValueTask_CompletedSynchronously_ResumesNextRoundWithValue()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body(), "body");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("wait@1 value=5@2 plain@3"));

        IEnumerator Body()
        {
            trace.Add($"wait@{loop.TickCount}");
            var value = Wait.ForTask(new ValueTask<int>(5));
            yield return value;
            trace.Add($"value={value.Result}@{loop.TickCount}");
            yield return Wait.ForTask(ValueTask.CompletedTask);
            trace.Add($"plain@{loop.TickCount}");
        }
    }

    [Test]
    public void WaitForValueTask_BackedBySource_ConsumedOnceAndResumesInNextTick()
    {
        var trace = new Trace();
        var source = new OneShotValueTaskSource();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body(), "body");

        loop.Tick();
        source.SetResult(11);
        Assert.That(loop.Tick(), Is.EqualTo(1));

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("wait@1 value=11@2"));
            Assert.That(source.GetResultCalls, Is.EqualTo(1), "a value task is consumed exactly once");
        });

        IEnumerator Body()
        {
            trace.Add($"wait@{loop.TickCount}");
            var value = Wait.ForTask(source.Task);
            yield return value;
            trace.Add($"value={value.Result}@{loop.TickCount}");
        }
    }

    [Test]
    public void WaitForValueTask_NonGenericFaulted_FaultsWithTheSameException()
    {
        var error = new TimeoutException("late");
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        Coroutine coroutine = loop.Spawn(Body(), "body");

        loop.RunUntilIdle();

        Assert.That(coroutine.Exception, Is.SameAs(error));

        IEnumerator Body()
        {
            yield return Wait.ForTask(new ValueTask(Task.FromException(error)));
        }
    }

    [Test]
    public void YieldTaskRun_CompletesOnPoolThread_ResumesOnLoopThread()
    {
        int loopThread = Environment.CurrentManagedThreadId;
        int workThread = 0;
        int resumedOn = 0;
        using var loop = new EventLoop();
        using var safetyNet = new CancellationTokenSource(s_safetyNet);
        Coroutine coroutine = loop.Spawn(Body(), "body");

        loop.Run(safetyNet.Token);

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(workThread, Is.Not.EqualTo(loopThread));
            Assert.That(resumedOn, Is.EqualTo(loopThread));
        });

        IEnumerator Body()
        {
            var work = Wait.ForTask(Task.Run(() => Environment.CurrentManagedThreadId));
            yield return work;
            workThread = work.Result;
            resumedOn = Environment.CurrentManagedThreadId;
        }
    }

    [Test]
    public void Offload_WorkBlocksOnPoolThread_LoopKeepsSteppingOtherCoroutines()
    {
        var trace = new Trace();
        using var gate = new ManualResetEventSlim(initialState: false);
        using var loop = new EventLoop();
        using var safetyNet = new CancellationTokenSource(s_safetyNet);
        Coroutine worker = loop.Spawn(Worker(), "worker");
        loop.Spawn(Ticker(), "ticker");

        loop.Run(safetyNet.Token);

        // The work cannot finish before the ticker opens the gate, so the ticker's five turns all ran while it
        // was in progress: the loop thread was never blocked.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("offload tick1 tick2 tick3 tick4 tick5 open result=42"));
            Assert.That(worker.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator Worker()
        {
            trace.Add("offload");
            var answer = Wait.Offload(() =>
            {
                gate.Wait(s_safetyNet);           // a long computation, in effect
                return 42;
            });
            yield return answer;
            trace.Add($"result={answer.Result}");
        }

        IEnumerator Ticker()
        {
            for (int i = 1; i <= 5; i++)
            {
                trace.Add($"tick{i}");
                yield return null;
            }

            trace.Add("open");
            gate.Set();
        }
    }

    [Test]
    public void Offload_WorkThrows_FaultsWithTheSameInstance()
    {
        var error = new DivideByZeroException("work failed");
        using var loop = new EventLoop();
        using var safetyNet = new CancellationTokenSource(s_safetyNet);
        loop.UnobservedFault += (_, _) => { };
        Coroutine plain = loop.Spawn(Body(Wait.Offload(new Action(() => throw error))), "plain");
        Coroutine valued = loop.Spawn(Body(Wait.Offload(new Func<int>(() => throw error))), "valued");
        Coroutine asynchronous = loop.Spawn(Body(Wait.Offload(async () =>
        {
            await Task.Yield();
            throw error;
        })), "async");

        loop.Run(safetyNet.Token);

        Assert.Multiple(() =>
        {
            Assert.That(plain.Exception, Is.SameAs(error));
            Assert.That(valued.Exception, Is.SameAs(error));
            Assert.That(asynchronous.Exception, Is.SameAs(error));
        });

        static IEnumerator Body(WaitCondition wait)
        {
            yield return wait;
        }
    }

    [Test]
    public void YieldTask_NeverStarted_FaultsNamingTheCoroutine()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        Coroutine coroutine = loop.Spawn(Body(), "idle");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Exception, Is.InstanceOf<InvalidOperationException>());
            Assert.That(coroutine.Exception!.Message, Does.Contain("'idle'").And.Contain("never started"));
        });

        static IEnumerator Body()
        {
            yield return new Task(() => { });
        }
    }

    [Test]
    public void ForTaskAndOffload_NullArguments_ThrowArgumentNullException()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Wait.ForTask((Task)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("task"));
            Assert.That(() => Wait.ForTask((Task<int>)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("task"));
            Assert.That(() => Wait.Offload((Func<int>)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("work"));
            Assert.That(() => Wait.Offload((Action)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("work"));
            Assert.That(() => Routine.FromTask((Func<Task>)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("start"));
        });
    }

    [Test]
    public void TaskWaitResult_BeforeCompletion_ThrowsInvalidOperationException()
    {
        var source = new TaskCompletionSource<int>();
        TaskWait<int> wait = Wait.ForTask(source.Task);

        Assert.Multiple(() =>
        {
            Assert.That(wait.HasResult, Is.False);
            Assert.That(() => wait.Result, Throws.InvalidOperationException.With.Message.Contain("has not completed"));
        });

        source.SetResult(3);

        Assert.That(wait.Result, Is.EqualTo(3));
    }

    [Test]
    public void TaskCompletes_AfterLoopDisposed_IsDroppedQuietly()
    {
        var source = new TaskCompletionSource();
        var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Body(), "body");
        loop.Tick();

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(() => source.SetResult(), Throws.Nothing);
        });

        IEnumerator Body()
        {
            yield return source.Task;
        }
    }

    private static IEnumerator Join(Coroutine other)
    {
        yield return other;
    }

    /// <summary>A value task source that counts how often its result is taken (a pooled source allows it once).</summary>
    private sealed class OneShotValueTaskSource : IValueTaskSource<int>
    {
        private ManualResetValueTaskSourceCore<int> _core;

        public int GetResultCalls { get; private set; }

        public ValueTask<int> Task => new(this, _core.Version);

        public void SetResult(int value) => _core.SetResult(value);

        public int GetResult(short token)
        {
            GetResultCalls++;
            return _core.GetResult(token);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
