using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Hosting.Tests.Support;
using Serilog.Events;

namespace Scheduler.Hosting.Tests;

/// <summary>
/// The hosted loop in a real generic host: its own named thread, hosted routines from DI, and the stop that
/// cancels every coroutine and runs its finally blocks on the loop thread within the shutdown timeout.
/// </summary>
public class HostedEventLoopTests
{
    [Test]
    public async Task AddEventLoop_HostStarts_RunsRoutinesOnItsOwnNamedThread()
    {
        var sink = new CollectingSink();
        var seen = new TaskCompletionSource<ThreadFacts>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHosts.Build(sink, b => b.Services
            .AddEventLoop(o => o.ThreadName = "orders-loop")
            .AddCoroutine("probe", _ => Probe(seen)));

        await host.StartAsync().Within();
        ThreadFacts thread = await seen.Task.Within();
        await host.StopAsync().Within();

        Assert.Multiple(() =>
        {
            Assert.That(thread.Name, Is.EqualTo("orders-loop"));
            Assert.That(thread.IsThreadPoolThread, Is.False);
            Assert.That(thread.IsBackground, Is.True);
            Assert.That(thread.ManagedThreadId, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
            Assert.That(host.Services.GetRequiredService<EventLoop>().Name, Is.EqualTo("orders-loop"));
            Assert.That(sink.WithEventId(100), Has.Count.EqualTo(1), sink.Dump());
        });

        static IEnumerator Probe(TaskCompletionSource<ThreadFacts> seen)
        {
            Thread me = Thread.CurrentThread;
            seen.SetResult(new ThreadFacts(me.Name, me.IsThreadPoolThread, me.IsBackground, me.ManagedThreadId));
            yield break;
        }
    }

    [Test]
    public async Task AddCoroutine_WorkerWithInjectedService_RunsItsRoutineWhenTheHostStarts()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        using IHost host = TestHosts.Build(sink, b =>
        {
            b.Services.AddSingleton(recorder).AddSingleton<CountingWorker.Done>();
            b.Services.AddCoroutine<CountingWorker>();
        });

        await host.StartAsync().Within();
        await host.Services.GetRequiredService<CountingWorker.Done>().Task.Within();
        await host.StopAsync().Within();

        Assert.That(recorder.ToString(), Is.EqualTo("count 1 | count 2 | count 3"));
    }

    [Test]
    public async Task AddCoroutine_SeveralRoutines_SpawnedInRegistrationOrderInTheFirstRound()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        var allRan = new CountdownEvent(3);
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop()
            .AddCoroutine("a", sp => Mark(sp, "a", allRan))
            .AddCoroutine("b", sp => Mark(sp, "b", allRan))
            .AddCoroutine("c", sp => Mark(sp, "c", allRan))
            .Services.AddSingleton(recorder));

        await host.StartAsync().Within();
        Assert.That(allRan.Wait(TestHosts.Patience), Is.True);
        await host.StopAsync().Within();

        Assert.That(recorder.ToString(), Is.EqualTo("a in round 1 | b in round 1 | c in round 1"));

        static IEnumerator Mark(IServiceProvider services, string name, CountdownEvent allRan)
        {
            EventLoop loop = services.GetRequiredService<EventLoop>();
            services.GetRequiredService<Recorder>().Add($"{name} in round {loop.TickCount}");
            allRan.Signal();
            yield return Wait.Forever;
        }
    }

    [Test]
    public async Task StopAsync_RoutinesParkedOnEveryKindOfWait_FinallyBlocksRunOnTheLoopThreadBeforeStopReturns()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        var parked = new CountdownEvent(4);
        using IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddSingleton(recorder).AddEventLoop(o => o.ThreadName = "stop-loop")
                .AddCoroutine("forever", sp => Parked(sp, "forever", _ => Wait.Forever, parked))
                .AddCoroutine("sleeper", sp => Parked(sp, "sleeper", _ => Wait.For(TimeSpan.FromHours(1)), parked))
                .AddCoroutine("reader", sp => Parked(sp, "reader", loop => new MessageChannel<int>(loop).Read(), parked))
                .AddCoroutine("spinner", sp => Spinner(sp, parked)),
            shutdownTimeout: TimeSpan.FromSeconds(5));

        await host.StartAsync().Within();
        Assert.That(parked.Wait(TestHosts.Patience), Is.True);
        var watch = Stopwatch.StartNew();
        await host.StopAsync().Within();
        watch.Stop();

        Assert.Multiple(() =>
        {
            Assert.That(recorder.Sorted(), Is.EqualTo(
                "forever: finally on stop-loop | reader: finally on stop-loop | sleeper: finally on stop-loop | spinner: finally on stop-loop"));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "a stop with nothing stuck ends in a few rounds, far inside the timeout");
            Assert.That(sink.AtLeast(LogEventLevel.Error), Is.Empty, "a normal stop logs nothing at Error:" + Environment.NewLine + sink.Dump());
            Assert.That(sink.WithEventId(104), Has.Count.EqualTo(1), sink.Dump());
        });

        static IEnumerator Parked(IServiceProvider services, string name, Func<EventLoop, WaitCondition> wait, CountdownEvent parked)
        {
            EventLoop loop = services.GetRequiredService<EventLoop>();
            try
            {
                parked.Signal();
                yield return wait(loop);
            }
            finally
            {
                services.GetRequiredService<Recorder>().Add($"{name}: finally on {Thread.CurrentThread.Name}");
            }
        }

        static IEnumerator Spinner(IServiceProvider services, CountdownEvent parked)
        {
            try
            {
                parked.Signal();
                while (true)
                {
                    yield return null; // always ready: canceled in the middle of its turns
                }
            }
            finally
            {
                services.GetRequiredService<Recorder>().Add($"spinner: finally on {Thread.CurrentThread.Name}");
            }
        }
    }

    [Test]
    public async Task StopAsync_StepStuckAtStop_WarnsNamingTheStepAndReturnsAtTheShutdownTimeout()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        using var release = new ManualResetEventSlim();
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherFinally = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TimeSpan timeout = TimeSpan.FromMilliseconds(400);
        using IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddEventLoop(o => o.ThreadName = "stuck-loop")
                .AddCoroutine("patient", _ => Patient(otherFinally))
                .AddCoroutine("blocker", _ => Blocker(stuck, release)),
            shutdownTimeout: timeout);

        await host.StartAsync().Within();
        await stuck.Task.Within();
        var watch = Stopwatch.StartNew();
        await host.StopAsync().Within();
        watch.Stop();
        bool finallyRanBeforeRelease = otherFinally.Task.IsCompleted;
        release.Set();
        await otherFinally.Task.Within(); // the loop thread disposes the loop once the stuck step returns

        Assert.Multiple(() =>
        {
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20)));
            Assert.That(watch.Elapsed, Is.LessThan(timeout + TimeSpan.FromSeconds(2)), "the stop returns at the timeout");
            Assert.That(finallyRanBeforeRelease, Is.False, "nothing runs on the loop while a step blocks it");
            IReadOnlyList<LogEvent> warnings = sink.WithEventId(105);
            Assert.That(warnings, Has.Count.EqualTo(1), sink.Dump());
            Assert.That(warnings.Single().Level, Is.EqualTo(LogEventLevel.Warning));
            Assert.That(warnings.Single().RenderMessage(CultureInfo.InvariantCulture), Does.Contain("'blocker'").And.Contain("stuck-loop"));
            Assert.That(sink.WithEventId(104), Is.Empty, "no 'stopped' message when the stop timed out");
        });

        static IEnumerator Patient(TaskCompletionSource otherFinally)
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                otherFinally.SetResult();
            }
        }

        static IEnumerator Blocker(TaskCompletionSource stuck, ManualResetEventSlim release)
        {
            yield return null;
            stuck.SetResult();
            release.Wait(TestHosts.Patience); // a step that blocks the loop thread: the seed's first gotcha
        }
    }

    [Test]
    public async Task DisposeAsync_StepStillStuckAfterTheGrace_LogsOnceAndReturns()
    {
        var sink = new CollectingSink();
        using var release = new ManualResetEventSlim();
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loopClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TimeSpan timeout = TimeSpan.FromMilliseconds(200);
        IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddEventLoop()
                .AddCoroutine("patient", _ => Patient(loopClosed))
                .AddCoroutine("blocker", _ => Blocker(stuck, release)),
            shutdownTimeout: timeout);

        await host.StartAsync().Within();
        await stuck.Task.Within();
        await host.StopAsync().Within();
        EventLoopHostedService service = host.Services.GetRequiredService<EventLoopHostedService>();
        var watch = Stopwatch.StartNew();
        await service.DisposeAsync().AsTask().Within(); // waits as long again as the stop did, then gives up
        await service.DisposeAsync().AsTask().Within(); // the container calls it twice: the second is the first
        watch.Stop();
        release.Set();
        await loopClosed.Task.Within(); // the loop thread disposes the loop once the step returns
        host.Dispose();                 // so the container's own disposal of the loop has nothing left to do

        Assert.Multiple(() =>
        {
            Assert.That(sink.WithEventId(110), Has.Count.EqualTo(1), sink.Dump());
            Assert.That(sink.WithEventId(110)[0].RenderMessage(CultureInfo.InvariantCulture), Does.Contain("'blocker'"));
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20)));
            Assert.That(watch.Elapsed, Is.LessThan(timeout + TimeSpan.FromSeconds(2)));
        });

        static IEnumerator Patient(TaskCompletionSource loopClosed)
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                loopClosed.SetResult();
            }
        }

        static IEnumerator Blocker(TaskCompletionSource stuck, ManualResetEventSlim release)
        {
            stuck.SetResult();
            release.Wait(TestHosts.Patience);
            yield break;
        }
    }

    [Test]
    public async Task Dispose_HostDisposedWithoutStop_LoopThreadStillRunsEveryFinallyBlock()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IHost host = TestHosts.Build(sink, b => b.Services.AddSingleton(recorder).AddEventLoop(o => o.ThreadName = "orphan-loop")
            .AddCoroutine("parked", sp => Parked(sp.GetRequiredService<Recorder>(), parked)));

        await host.StartAsync().Within();
        await parked.Task.Within();
        host.Dispose();

        Assert.That(recorder.ToString(), Is.EqualTo("parked: finally on orphan-loop"));

        static IEnumerator Parked(Recorder recorder, TaskCompletionSource parked)
        {
            try
            {
                parked.SetResult();
                yield return Wait.Forever;
            }
            finally
            {
                recorder.Add($"parked: finally on {Thread.CurrentThread.Name}");
            }
        }
    }

    [Test]
    public async Task AddCoroutine_DisposableWorkerCreatedByTheHostedLoop_DisposedAfterTheLoopStopped()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        using IHost host = TestHosts.Build(sink, b => b.Services.AddSingleton(recorder).AddCoroutine<DisposableWorker>());

        await host.StartAsync().Within();
        await host.StopAsync().Within();
        string beforeDispose = recorder.ToString();
        host.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(beforeDispose, Is.EqualTo("worker: finally"));
            Assert.That(recorder.ToString(), Is.EqualTo("worker: finally | worker: disposed"));
        });
    }

    [Test]
    public async Task DrainThenCancel_RoutineWatchingTheStoppingToken_EndsByItselfAndTheRestIsCanceledAfterTheDrain()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        var running = new CountdownEvent(2);
        var handles = new Dictionary<string, Coroutine>();
        using IHost host = TestHosts.Build(sink, b => b.Services.AddSingleton(recorder)
            .AddEventLoop(o =>
            {
                o.ShutdownBehavior = EventLoopShutdownBehavior.DrainThenCancel;
                o.DrainTimeout = TimeSpan.FromMilliseconds(300);
            })
            .AddCoroutine("polite", (sp, token) => Polite(sp, token))
            .AddCoroutine("stubborn", sp => Stubborn(sp)));

        await host.StartAsync().Within();
        Assert.That(running.Wait(TestHosts.Patience), Is.True);
        var watch = Stopwatch.StartNew();
        await host.StopAsync().Within();
        watch.Stop();

        Assert.Multiple(() =>
        {
            Assert.That(recorder.ToString(), Is.EqualTo("polite: finished its work | polite: finally | stubborn: finally"));
            Assert.That(handles["polite"].State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(handles["stubborn"].State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280)), "the stubborn one is canceled only after the drain");
            Assert.That(sink.WithEventId(103), Has.Count.EqualTo(1), sink.Dump());
            Assert.That(sink.AtLeast(LogEventLevel.Error), Is.Empty, sink.Dump());
        });

        IEnumerator Polite(IServiceProvider services, CancellationToken stoppingToken)
        {
            handles["polite"] = services.GetRequiredService<EventLoop>().Current!;
            running.Signal();
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    yield return Wait.For(TimeSpan.FromMilliseconds(10));
                }

                recorder.Add("polite: finished its work");
            }
            finally
            {
                recorder.Add("polite: finally");
            }
        }

        IEnumerator Stubborn(IServiceProvider services)
        {
            handles["stubborn"] = services.GetRequiredService<EventLoop>().Current!;
            running.Signal();
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                recorder.Add("stubborn: finally");
            }
        }
    }

    [Test]
    public async Task EventLoop_InjectedIntoAnotherService_SpawnsFromAnyThreadAndItsCoroutinesAreCanceledAtStop()
    {
        var sink = new CollectingSink();
        var ranOn = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finallyOn = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop(o => o.ThreadName = "shared-loop"));

        await host.StartAsync().Within();
        EventLoop loop = host.Services.GetRequiredService<EventLoop>();
        await Task.Run(() => loop.Spawn(Job(ranOn, finallyOn), "job")).Within();
        string? thread = await ranOn.Task.Within();
        await host.StopAsync().Within();

        Assert.Multiple(() =>
        {
            Assert.That(thread, Is.EqualTo("shared-loop"));
            Assert.That(finallyOn.Task.IsCompletedSuccessfully, Is.True);
            Assert.That(finallyOn.Task.Result, Is.EqualTo("shared-loop"));
        });

        static IEnumerator Job(TaskCompletionSource<string?> ranOn, TaskCompletionSource<string?> finallyOn)
        {
            try
            {
                ranOn.SetResult(Thread.CurrentThread.Name);
                yield return Wait.Forever;
            }
            finally
            {
                finallyOn.SetResult(Thread.CurrentThread.Name);
            }
        }
    }

    [Test]
    public async Task StopAsync_ChannelStillHoldsItems_ReportedAsAWarningWhenTheLoopIsDisposed()
    {
        var sink = new CollectingSink();
        var filled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop()
            .AddCoroutine("producer", sp => Produce(sp.GetRequiredService<EventLoop>(), filled)));

        await host.StartAsync().Within();
        await filled.Task.Within();
        await host.StopAsync().Within();

        Assert.That(
            sink.Events.Where(e => e.Level == LogEventLevel.Warning && e.RenderMessage(CultureInfo.InvariantCulture).Contains("orders", StringComparison.Ordinal)),
            Has.Exactly(1).Items,
            "a channel with buffered items is reported at stop, not silently dropped:" + Environment.NewLine + sink.Dump());

        static IEnumerator Produce(EventLoop loop, TaskCompletionSource filled)
        {
            var orders = new MessageChannel<string>(loop, 10, "orders");
            orders.TryWrite("order 1");
            orders.TryWrite("order 2");
            filled.SetResult();
            yield return Wait.Forever; // nobody reads them
        }
    }
}

/// <summary>A disposable worker: the hosted loop created it, so it disposes it, after the loop has stopped.</summary>
public sealed class DisposableWorker(Recorder recorder) : IHostedRoutine, IDisposable
{
    public IEnumerator Run(CancellationToken stoppingToken)
    {
        try
        {
            yield return Wait.Forever;
        }
        finally
        {
            recorder.Add("worker: finally");
        }
    }

    public void Dispose() => recorder.Add("worker: disposed");
}

/// <summary>What a routine saw of the thread it ran on.</summary>
public sealed record ThreadFacts(string? Name, bool IsThreadPoolThread, bool IsBackground, int ManagedThreadId);

/// <summary>A worker with a constructor-injected dependency, as <c>AddCoroutine&lt;TWorker&gt;</c> creates it.</summary>
public sealed class CountingWorker(Recorder recorder, CountingWorker.Done done) : IHostedRoutine
{
    public IEnumerator Run(CancellationToken stoppingToken)
    {
        for (int i = 1; i <= 3; i++)
        {
            recorder.Add($"count {i}");
            yield return null;
        }

        done.SetResult();
    }

    /// <summary>Completed by the worker when it has counted; a singleton the test awaits.</summary>
    public sealed class Done() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}
