using Scheduler.Tests.Support;

namespace Scheduler.Tests.Bridges;

/// <summary>
/// Async code waits for a coroutine (<c>await coroutine</c>, <c>AsTask</c>, <c>RunAsync</c>): values, the same
/// exception instance unwrapped, cancellation as <see cref="TaskCanceledException"/>, continuations off the loop
/// thread, registration from other threads through the inbox. Timeouts are safety nets only.
/// </summary>
public class CoroutineAwaitTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    [Test]
    public async Task AsTask_OnLoopThreadBeforeTheEnd_CompletesWithTheValueInTheRoundItEnds()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(Answer(rounds: 2), "answer");
        Task<int> task = coroutine.AsTask();
        Task untyped = ((Coroutine)coroutine).AsTask();

        loop.Tick();
        loop.Tick();
        Assert.That(task.IsCompleted, Is.False, "rounds 1 and 2 yield");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(task.IsCompletedSuccessfully, Is.True, "round 3 returns the value");
            Assert.That(untyped.IsCompletedSuccessfully, Is.True);
        });
        Assert.That(await task, Is.EqualTo(42));
        Assert.That(await coroutine, Is.EqualTo(42), "an ended coroutine completes the task at once");
    }

    [Test]
    public async Task AsTask_Faulted_SameInstanceUnwrappedAndTheFaultIsObserved()
    {
        var error = new InvalidOperationException("broken");
        var unobserved = new List<Exception>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Exception);
        Coroutine<int> coroutine = loop.Spawn<int>(Fail(error), "failing");
        Task<int> task = coroutine.AsTask();

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(task.IsFaulted, Is.True);
            Assert.That(unobserved, Is.Empty, "the task was joined when the coroutine faulted");
        });
        Assert.That(await Assert.ThrowsAsync<InvalidOperationException>(async () => await coroutine), Is.SameAs(error));
        Assert.That(await Assert.ThrowsAsync<InvalidOperationException>(async () => await task), Is.SameAs(error));
    }

    [Test]
    public async Task AsTask_Canceled_TaskIsCanceledAndAwaitThrowsTaskCanceledException()
    {
        using var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Forever(), "forever");
        Task task = coroutine.AsTask();
        loop.Tick();

        coroutine.Cancel();
        loop.Tick();

        Assert.That(task.IsCanceled, Is.True);
        await Assert.ThrowsAsync<TaskCanceledException>(async () => await coroutine);
    }

    [Test]
    public void AsTask_Continuations_NeverRunInlineOnTheLoopThread()
    {
        int loopThread = Environment.CurrentManagedThreadId;
        int continuationThread = 0;
        using var ran = new ManualResetEventSlim(initialState: false);
        using var loop = new EventLoop(new VirtualClock());
        Coroutine<int> coroutine = loop.Spawn<int>(Answer(rounds: 0), "answer");
        _ = coroutine.AsTask().ContinueWith(
            _ =>
            {
                continuationThread = Environment.CurrentManagedThreadId;
                ran.Set();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,   // asks to run inline; the source refuses
            TaskScheduler.Default);

        loop.RunUntilIdle();

        Assert.That(ran.Wait(s_safetyNet), Is.True);
        Assert.That(continuationThread, Is.Not.EqualTo(loopThread));
    }

    [Test]
    public async Task AwaitCoroutine_FromPoolThreadWhileRunRunsOnADedicatedThread_GetsTheValue()
    {
        int loopThread = 0;
        using var loop = new EventLoop();
        Coroutine<int> coroutine = loop.Spawn<int>(SlowAnswer(), "answer");
        Task running = loop.RunAsync();

        (int value, int awaitedOn) = await Task.Run(async () =>
        {
            int thread = Environment.CurrentManagedThreadId;
            return (await coroutine, thread);
        }).WaitAsync(s_safetyNet);
        await running.WaitAsync(s_safetyNet);

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(42));
            Assert.That(awaitedOn, Is.Not.EqualTo(loopThread));
        });

        IEnumerator SlowAnswer()
        {
            loopThread = Environment.CurrentManagedThreadId;
            yield return Wait.For(TimeSpan.FromMilliseconds(5));
            yield return Routine.Return(42);
        }
    }

    [Test]
    public async Task AwaitCoroutine_FaultedWhileAwaitedFromPoolThread_PropagatesTheSameInstance()
    {
        var error = new KeyNotFoundException("missing");
        using var loop = new EventLoop();
        Coroutine coroutine = loop.Spawn(FailLater(error), "failing");
        Task running = loop.RunAsync();

        Exception? caught = await Task.Run(async () =>
        {
            try
            {
                await coroutine;
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }).WaitAsync(s_safetyNet);
        await running.WaitAsync(s_safetyNet);

        Assert.That(caught, Is.SameAs(error));

        static IEnumerator FailLater(Exception error)
        {
            yield return Wait.For(TimeSpan.FromMilliseconds(5));
            throw error;
        }
    }

    [Test]
    public void AsTask_FromAnotherThreadBeforeTheFault_JoinsThroughTheInboxAndObservesIt()
    {
        var error = new InvalidOperationException("round 3");
        var unobserved = new List<Exception>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Exception);
        Coroutine coroutine = loop.Spawn(Fail(error, rounds: 2), "failing");
        loop.Tick();

        Task? task = null;
        var other = new Thread(() => task = coroutine.AsTask());
        other.Start();
        Assert.That(other.Join(s_safetyNet), Is.True);
        Assert.That(task!.IsCompleted, Is.False, "posted: the join runs in the next round's phase (a)");

        loop.Tick();                                // round 2: the join is registered, then the step
        loop.Tick();                                // round 3: the coroutine throws

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(task.Exception?.InnerException, Is.SameAs(error));
            Assert.That(unobserved, Is.Empty, "the join from the other thread was in place when it faulted");
        });
    }

    [Test]
    public async Task AwaitCoroutine_FromAnotherThreadAfterTheLoopStopped_CompletesWithoutADriver()
    {
        using var loop = new EventLoop();
        Coroutine<int> coroutine = loop.Spawn<int>(Answer(rounds: 1), "answer");
        await loop.RunAsync().WaitAsync(s_safetyNet);   // Run returns: no coroutine is alive

        // No thread drives the loop any more; the task completes from the coroutine's final state.
        int value = await Task.Run(async () => await coroutine).WaitAsync(s_safetyNet);

        Assert.That(value, Is.EqualTo(42));
    }

    [Test]
    public void AsTask_PendingWhenTheLoopIsDisposed_IsCanceled()
    {
        var loop = new EventLoop(new VirtualClock());
        Coroutine coroutine = loop.Spawn(Forever(), "forever");
        loop.Tick();
        Task task = coroutine.AsTask();

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(task.IsCanceled, Is.True);
            Assert.That(coroutine.AsTask().IsCanceled, Is.True, "after Dispose, from the loop's thread");
        });

        Task? late = null;
        var other = new Thread(() => late = coroutine.AsTask());
        other.Start();
        Assert.That(other.Join(s_safetyNet), Is.True);
        Assert.That(late!.IsCanceled, Is.True, "after Dispose, from another thread: read from the final state");
    }

    [Test]
    public void AsTask_OfItselfInsideItsOwnStep_CompletesWhenItEnds()
    {
        using var loop = new EventLoop(new VirtualClock());
        Task? own = null;
        Coroutine coroutine = loop.Spawn(Body(), "self");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(coroutine.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(own!.IsCompletedSuccessfully, Is.True, "a task is a handle: asking for one does not make it wait for itself");
        });

        IEnumerator Body()
        {
            own = loop.Current!.AsTask();
            yield return null;
        }
    }

    [Test]
    public void AsTask_NullCoroutine_ThrowsArgumentNullException()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => ((Coroutine)null!).AsTask(), Throws.ArgumentNullException);
            Assert.That(() => ((Coroutine<int>)null!).AsTask(), Throws.ArgumentNullException);
        });
    }

    [Test]
    public async Task RunAsync_DrivesTheLoopOnADedicatedThread_CompletesWhenNoCoroutineIsAlive()
    {
        var trace = new Trace();
        int callerThread = Environment.CurrentManagedThreadId;
        int loopThread = 0;
        string? loopThreadName = null;
        using var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        Coroutine body = loop.Spawn(Body(), "body");

        await loop.RunAsync().WaitAsync(s_safetyNet);

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("1 2 3"));
            Assert.That(body.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(loopThread, Is.Not.EqualTo(callerThread));
            Assert.That(loopThreadName, Is.EqualTo("event-loop")); // the loop's Name
        });

        IEnumerator Body()
        {
            loopThread = Environment.CurrentManagedThreadId;
            loopThreadName = Thread.CurrentThread.Name;
            for (int i = 1; i <= 3; i++)
            {
                trace.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                yield return Wait.For(TimeSpan.FromHours(1));
            }
        }
    }

    [Test]
    public async Task RunAsync_Returns_TheCallerIsNoLongerTheLoopThread()
    {
        using var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();
        Assert.That(loop.IsLoopThread, Is.True, "the creating thread owns the loop before any driver runs");

        Task running = loop.RunAsync(stop.Token);

        // The new thread holds the driver role before RunAsync returns, so a spawn from here goes through the
        // inbox instead of racing the first round.
        Assert.That(loop.IsLoopThread, Is.False);
        int answer = await loop.Spawn<int>(Answer(rounds: 1), "answer").AsTask().WaitAsync(s_safetyNet);
        Assert.That(answer, Is.EqualTo(42));
        await stop.CancelAsync();
        await running.WaitAsync(s_safetyNet);
    }

    [Test]
    public async Task RunAsync_WhileAnotherThreadDrives_FaultsWithInvalidOperationException()
    {
        using var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true });
        using var stop = new CancellationTokenSource();
        Task first = loop.RunAsync(stop.Token);
        using var running = new ManualResetEventSlim(initialState: false);
        loop.Post(running.Set);                     // runs once the first driver is in its rounds
        Assert.That(running.Wait(s_safetyNet), Is.True);

        Task second = loop.RunAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => second.WaitAsync(s_safetyNet));
        await stop.CancelAsync();
        await first.WaitAsync(s_safetyNet);
        Assert.That(first.IsCompletedSuccessfully, Is.True, "a canceled token stops Run normally");
    }

    private static IEnumerator Answer(int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            yield return null;
        }

        yield return Routine.Return(42);
    }

    private static IEnumerator Fail(Exception error, int rounds = 0)
    {
        for (int i = 0; i < rounds; i++)
        {
            yield return null;
        }

        throw error;
    }

    private static IEnumerator Forever()
    {
        yield return Wait.Forever;
    }
}
