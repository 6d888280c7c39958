using Microsoft.Extensions.Logging;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Bridges;

/// <summary>
/// <c>async</c> methods on the loop: the loop's <see cref="SynchronizationContext"/> is current while a driver runs,
/// so awaits resume on the loop thread, as posted callbacks in phase (a) of a later round; iterator coroutines
/// and async methods wait for each other. Timeouts are safety nets only.
/// </summary>
public class AsyncMethodTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    [Test]
    public void Drivers_WhileRunning_InstallTheLoopContextAndRestoreThePreviousOne()
    {
        var previous = new SynchronizationContext();
        SynchronizationContext? original = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(previous);
        try
        {
            using var loop = new EventLoop(new VirtualClock());
            SynchronizationContext? inStep = null;
            SynchronizationContext? inCallback = null;
            loop.Spawn(Body(), "body");
            loop.Post(() => inCallback = SynchronizationContext.Current);

            loop.Tick();

            Assert.Multiple(() =>
            {
                Assert.That(inStep, Is.SameAs(loop.SynchronizationContext));
                Assert.That(inCallback, Is.SameAs(loop.SynchronizationContext));
                Assert.That(SynchronizationContext.Current, Is.SameAs(previous), "restored when Tick returns");
            });

            IEnumerator Body()
            {
                inStep = SynchronizationContext.Current;
                yield break;
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(original);
        }
    }

    [Test]
    public void AsyncMethod_StartedInAStep_AwaitTaskYieldResumesOnTheLoopThreadNextRound()
    {
        var trace = new Trace();
        int loopThread = Environment.CurrentManagedThreadId;
        int resumedOn = 0;
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body(), "body");

        loop.RunUntilIdle();

        // The continuation is a posted callback: it runs in phase (a) of round 2, before round 2's steps.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("step@1 async@1 resumed@2 step@2 step@3"));
            Assert.That(resumedOn, Is.EqualTo(loopThread));
        });

        IEnumerator Body()
        {
            trace.Add($"step@{loop.TickCount}");
            _ = Work();
            yield return null;
            trace.Add($"step@{loop.TickCount}");
            yield return null;
            trace.Add($"step@{loop.TickCount}");
        }

        async Task Work()
        {
            trace.Add($"async@{loop.TickCount}");
            await Task.Yield();
            resumedOn = Environment.CurrentManagedThreadId;
            trace.Add($"resumed@{loop.TickCount}");
        }
    }

    [Test]
    public void Coroutine_WaitsForAnAsyncMethod_ResumesWithItsValueInTheRoundItCompletes()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body(), "body");

        loop.RunUntilIdle();

        // Round 1: the method starts and yields; round 2 phase (a): it resumes and completes on the loop
        // thread, which queues the coroutine at once: it runs in round 2's steps.
        Assert.That(trace.ToString(), Is.EqualTo("wait@1 async@1 async-resumed@2 resumed@2:42"));

        IEnumerator Body()
        {
            trace.Add($"wait@{loop.TickCount}");
            var answer = Wait.ForTask(ComputeAsync());
            yield return answer;
            trace.Add($"resumed@{loop.TickCount}:{answer.Result}");
        }

        async Task<int> ComputeAsync()
        {
            trace.Add($"async@{loop.TickCount}");
            await Task.Yield();
            trace.Add($"async-resumed@{loop.TickCount}");
            return 42;
        }
    }

    [Test]
    public void AsyncMethod_AwaitsACoroutine_ResumesInPhaseAOfTheRoundAfterItEnds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> outer = loop.Spawn<int>(Routine.FromTask(OuterAsync), "outer");

        loop.RunUntilIdle();

        // Round 1: OuterAsync starts in the outer coroutine's first step and spawns the child. Rounds 2-4: the
        // child's steps (it ends in round 4). Round 5, phase (a): OuterAsync resumes, returns, and its task
        // completes on the loop thread, which queues the outer coroutine for round 5's steps.
        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("outer@1 child@2 child@3 child@4 outer-resumed@5:7"));
            Assert.That(outer.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(outer.Result, Is.EqualTo(8));
            Assert.That(outer.Steps, Is.EqualTo(2));
        });

        async Task<int> OuterAsync()
        {
            trace.Add($"outer@{loop.TickCount}");
            int value = await loop.Spawn<int>(Child(), "child");
            trace.Add($"outer-resumed@{loop.TickCount}:{value}");
            return value + 1;
        }

        IEnumerator Child()
        {
            trace.Add($"child@{loop.TickCount}");
            yield return null;
            trace.Add($"child@{loop.TickCount}");
            yield return null;
            trace.Add($"child@{loop.TickCount}");
            yield return Routine.Return(7);
        }
    }

    [Test]
    public void AsyncMethod_AwaitsAPoolTask_ResumesOnTheLoopThreadAndKeepsRunAlive()
    {
        int loopThread = Environment.CurrentManagedThreadId;
        int workThread = 0;
        int resumedOn = 0;
        using var loop = new EventLoop();
        using var safetyNet = new CancellationTokenSource(s_safetyNet);
        Coroutine<int> coroutine = loop.Spawn<int>(Routine.FromTask(WorkAsync), "work");

        loop.Run(safetyNet.Token);   // returns once the async method, as a coroutine, has ended

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(coroutine.Result, Is.EqualTo(5));
            Assert.That(workThread, Is.Not.EqualTo(loopThread));
            Assert.That(resumedOn, Is.EqualTo(loopThread));
        });

        async Task<int> WorkAsync()
        {
            workThread = await Task.Run(() => Environment.CurrentManagedThreadId);
            resumedOn = Environment.CurrentManagedThreadId;
            return 5;
        }
    }

    [TestCase(true, TestName = "FromTask_MethodThrowsBeforeItsFirstAwait_FaultsWithTheSameInstance")]
    [TestCase(false, TestName = "FromTask_MethodThrowsAfterAnAwait_FaultsWithTheSameInstance")]
    public void FromTask_MethodThrows_FaultsWithTheSameInstance(bool synchronously)
    {
        var error = new ArgumentOutOfRangeException(nameof(synchronously), "bad");
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Routine.FromTask(FailAsync), "failing");
        Task task = coroutine.AsTask();

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(coroutine.Exception, Is.SameAs(error));
            Assert.That(task.Exception?.InnerException, Is.SameAs(error));
        });

        async Task FailAsync()
        {
            if (!synchronously)
            {
                await Task.Yield();
            }

            throw error;
        }
    }

    [Test]
    public void FromTask_MethodIsCanceled_CoroutineEndsCanceled()
    {
        using var cancel = new CancellationTokenSource();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Routine.FromTask(() => WaitAsync(cancel.Token)), "waiting");
        loop.Tick();

        cancel.Cancel();
        loop.RunUntilIdle();

        Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Canceled));

        static async Task WaitAsync(CancellationToken token)
        {
            var never = new TaskCompletionSource();
            using (token.Register(() => never.TrySetCanceled(token)))
            {
                await never.Task;
            }
        }
    }

    [Test]
    public void Mixing_IteratorAwaitsAsyncWhichAwaitsIterator_AllStepsOnTheLoopThread()
    {
        var threads = new HashSet<int>();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<string> top = loop.Spawn<string>(Top(), "top");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(top.Result, Is.EqualTo("top(async(leaf))"));
            Assert.That(threads, Is.EquivalentTo(new[] { Environment.CurrentManagedThreadId }));
        });

        IEnumerator Top()
        {
            threads.Add(Environment.CurrentManagedThreadId);
            var middle = Wait.ForTask(MiddleAsync());
            yield return middle;
            threads.Add(Environment.CurrentManagedThreadId);
            yield return Routine.Return($"top({middle.Result})");
        }

        async Task<string> MiddleAsync()
        {
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            threads.Add(Environment.CurrentManagedThreadId);
            string leaf = await loop.Spawn<string>(Leaf(), "leaf");
            threads.Add(Environment.CurrentManagedThreadId);
            return $"async({leaf})";
        }

        IEnumerator Leaf()
        {
            threads.Add(Environment.CurrentManagedThreadId);
            yield return null;
            yield return Routine.Return("leaf");
        }
    }

    [Test]
    public void Send_OnTheLoopThread_RunsInline()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(Body(), "body");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("sent after"));

        IEnumerator Body()
        {
            SynchronizationContext.Current!.Send(_ => trace.Add("sent"), null);
            trace.Add("after");
            yield break;
        }
    }

    [Test]
    public async Task Send_FromAnotherThread_RunsOnTheLoopThreadAndRethrowsTheSameInstance()
    {
        var error = new InvalidOperationException("in the callback");
        using var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();
        int loopThread = 0;
        loop.Post(() => loopThread = Environment.CurrentManagedThreadId);
        Task running = loop.RunAsync(stop.Token);
        SynchronizationContext context = loop.SynchronizationContext;

        int sentOn = 0;
        context.Send(_ => sentOn = Environment.CurrentManagedThreadId, null);
        Exception? thrown = null;
        try
        {
            context.Send(_ => throw error, null);
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        await stop.CancelAsync();
        await running.WaitAsync(s_safetyNet);

        Assert.Multiple(() =>
        {
            Assert.That(sentOn, Is.EqualTo(loopThread).And.Not.EqualTo(Environment.CurrentManagedThreadId));
            Assert.That(thrown, Is.SameAs(error));
        });
    }

    [Test]
    public void Post_AfterTheLoopIsDisposed_IsDroppedAndLoggedNotThrown()
    {
        var logger = new CollectingLogger();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        SynchronizationContext context = loop.SynchronizationContext;
        bool ran = false;
        loop.Dispose();

        Assert.That(() => context.Post(_ => ran = true, null), Throws.Nothing);

        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.False);
            Assert.That(logger.Entries, Has.Count.EqualTo(1));
            Assert.That(logger.Entries[0].Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(logger.Entries[0].EventId.Name, Is.EqualTo("ContinuationDropped"));
        });
    }

    [Test]
    public void AsyncVoid_ThrowsAfterAnAwait_ReportedAsAnUnobservedFaultOnTheLoop()
    {
        var error = new NotSupportedException("async void");
        var reported = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => reported.Add(e);
        loop.Post(FireAndForget);

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(reported, Has.Count.EqualTo(1));
            Assert.That(reported[0].Exception, Is.SameAs(error));
            Assert.That(reported[0].Coroutine, Is.Null);
        });

        async void FireAndForget()
        {
            await Task.Yield();
            throw error;
        }
    }
}
