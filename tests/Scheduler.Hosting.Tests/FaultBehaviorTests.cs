using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Hosting.Tests.Support;
using Serilog.Events;

namespace Scheduler.Hosting.Tests;

/// <summary>
/// The fault behavior, after BackgroundServiceExceptionBehavior: Log keeps the host running; StopHost stops it
/// gracefully and makes its run call throw the fault.
/// </summary>
public class FaultBehaviorTests
{
    [Test]
    public async Task FaultBehaviorLog_RoutineFaults_LoggedAtErrorWithItsNameAndTheHostKeepsRunning()
    {
        var sink = new CollectingSink();
        var ticks = new CountdownEvent(5);
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop()
            .AddCoroutine("doomed", _ => Doomed())
            .AddCoroutine("ticker", _ => Ticker(ticks)));
        IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        await host.StartAsync().Within();
        Assert.That(ticks.Wait(TestHosts.Patience), Is.True, "the other routine keeps running after the fault");
        bool stopping = lifetime.ApplicationStopping.IsCancellationRequested;
        await host.StopAsync().Within(); // does not throw

        IReadOnlyList<LogEvent> errors = sink.AtLeast(LogEventLevel.Error);
        Assert.Multiple(() =>
        {
            Assert.That(stopping, Is.False, "the host keeps running");
            Assert.That(errors, Has.Count.EqualTo(1), sink.Dump());
            Assert.That(errors[0].Level, Is.EqualTo(LogEventLevel.Error));
            Assert.That(errors[0].RenderMessage(CultureInfo.InvariantCulture), Does.Contain("'doomed'"));
            Assert.That(errors[0].Exception, Is.TypeOf<InvalidOperationException>().With.Message.EqualTo("out of stock"));
            Assert.That(CollectingSink.Property(errors[0], "SourceContext"), Is.EqualTo("Scheduler.EventLoop"));
        });
    }

    [Test]
    public async Task FaultBehaviorStopHost_RoutineFaults_RunAsyncThrowsThatExceptionAfterAGracefulStop()
    {
        var sink = new CollectingSink();
        var recorder = new Recorder();
        using IHost host = TestHosts.Build(sink, b => b.Services.AddSingleton(recorder)
            .AddEventLoop(o => o.FaultBehavior = RoutineFaultBehavior.StopHost)
            .AddCoroutine("bystander", sp => Bystander(sp.GetRequiredService<Recorder>()))
            .AddCoroutine("doomed", _ => Doomed()));

        InvalidOperationException? thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => host.RunAsync().Within());

        Assert.Multiple(() =>
        {
            Assert.That(thrown!.Message, Is.EqualTo("out of stock"));
            Assert.That(recorder.ToString(), Is.EqualTo("bystander: finally"), "the stop was graceful: the others' finally blocks ran");
            Assert.That(sink.WithEventId(106), Has.Count.EqualTo(1), sink.Dump());
            Assert.That(sink.WithEventId(106)[0].Level, Is.EqualTo(LogEventLevel.Fatal)); // Critical, as the host logs it
            Assert.That(sink.WithEventId(106)[0].RenderMessage(CultureInfo.InvariantCulture), Does.Contain("'doomed'"));
        });
    }

    [Test]
    public async Task FaultBehaviorStopHost_StopAsyncCalledTwice_ThrowsTheSameFaultBothTimes()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b => b.Services
            .AddEventLoop(o => o.FaultBehavior = RoutineFaultBehavior.StopHost)
            .AddCoroutine("doomed", _ => Doomed()));
        IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        await host.StartAsync().Within();
        await stopping.Task.Within();
        InvalidOperationException? first = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StopAsync().Within());
        InvalidOperationException? second = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StopAsync().Within());

        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public async Task FaultBehaviorStopHost_TwoRoutinesFault_RunAsyncThrowsAnAggregateOfBoth()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b => b.Services
            .AddEventLoop(o => o.FaultBehavior = RoutineFaultBehavior.StopHost)
            .AddCoroutine("doomed", _ => Doomed())
            .AddCoroutine("also doomed", _ => Doomed()));

        AggregateException? thrown = await Assert.ThrowsAsync<AggregateException>(() => host.RunAsync().Within());

        Assert.That(thrown!.InnerExceptions, Has.Count.EqualTo(2).And.All.TypeOf<InvalidOperationException>());
    }

    [Test]
    public async Task FaultBehaviorStopHost_FaultJoinedByAnotherCoroutine_IsObservedAndDoesNotStopTheHost()
    {
        var sink = new CollectingSink();
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHosts.Build(sink, b => b.Services
            .AddEventLoop(o => o.FaultBehavior = RoutineFaultBehavior.StopHost)
            .AddCoroutine("supervisor", sp => Supervise(sp.GetRequiredService<EventLoop>(), handled)));

        await host.StartAsync().Within();
        string outcome = await handled.Task.Within();
        await host.StopAsync().Within(); // does not throw: the fault was observed

        Assert.Multiple(() =>
        {
            Assert.That(outcome, Is.EqualTo("Faulted: out of stock"));
            Assert.That(sink.AtLeast(LogEventLevel.Error), Is.Empty, sink.Dump());
        });

        static IEnumerator Supervise(EventLoop loop, TaskCompletionSource<string> handled)
        {
            Coroutine child = loop.Spawn(Doomed(), "child");
            yield return Wait.Settled(child);
            handled.SetResult($"{child.State}: {child.Exception!.Message}");
            yield return Wait.Forever;
        }
    }

    [Test]
    public async Task BackgroundServiceStopHost_OnTheseHostingPackages_StopsTheHostButRunAsyncDoesNotThrow()
    {
        // The contrast docs/hosting.md draws: .NET 10's own BackgroundService with StopHost stops the host and
        // logs, but RunAsync returns normally. When a runtime update makes this throw, the docs need a new line.
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b =>
        {
            b.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
            b.Services.AddHostedService<FailingBackgroundService>();
        });

        await host.RunAsync().Within();

        Assert.That(sink.AtLeast(LogEventLevel.Error).Select(e => e.Exception?.Message), Has.Member("out of stock"));
    }

    private static IEnumerator Doomed()
    {
        yield return null;
        throw new InvalidOperationException("out of stock");
    }

    private static IEnumerator Ticker(CountdownEvent ticks)
    {
        while (true)
        {
            if (!ticks.IsSet)
            {
                ticks.Signal();
            }

            yield return Wait.For(TimeSpan.FromMilliseconds(5));
        }
    }

    private static IEnumerator Bystander(Recorder recorder)
    {
        try
        {
            yield return Wait.Forever;
        }
        finally
        {
            recorder.Add("bystander: finally");
        }
    }

    private sealed class FailingBackgroundService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("out of stock");
        }
    }
}
