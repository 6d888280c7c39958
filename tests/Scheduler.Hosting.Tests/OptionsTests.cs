using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scheduler.Hosting.Tests.Support;

namespace Scheduler.Hosting.Tests;

/// <summary>Options bound from the section "EventLoop" (appsettings, environment, command line) and validated at start.</summary>
public class OptionsTests
{
    [Test]
    public void Options_NothingConfigured_Defaults()
    {
        var options = new EventLoopHostOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.ThreadName, Is.EqualTo("event-loop"));
            Assert.That(options.FaultBehavior, Is.EqualTo(RoutineFaultBehavior.Log));
            Assert.That(options.ShutdownBehavior, Is.EqualTo(EventLoopShutdownBehavior.CancelAll));
            Assert.That(options.DrainTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.SlowStepThreshold, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
            Assert.That(options.LogScopes, Is.True);
        });
    }

    [Test]
    public void Options_FromConfigurationSection_BoundThenOverriddenByTheConfigureDelegate()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["EventLoop:ThreadName"] = "from-config",
                ["EventLoop:FaultBehavior"] = "StopHost",
                ["EventLoop:ShutdownBehavior"] = "DrainThenCancel",
                ["EventLoop:DrainTimeout"] = "00:00:02",
                ["EventLoop:SlowStepThreshold"] = "00:00:00.250",
                ["EventLoop:LogScopes"] = "false",
            });
            b.Services.AddEventLoop(o => o.DrainTimeout = TimeSpan.FromSeconds(3));
        });

        EventLoopHostOptions options = host.Services.GetRequiredService<IOptions<EventLoopHostOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.ThreadName, Is.EqualTo("from-config"));
            Assert.That(options.FaultBehavior, Is.EqualTo(RoutineFaultBehavior.StopHost));
            Assert.That(options.ShutdownBehavior, Is.EqualTo(EventLoopShutdownBehavior.DrainThenCancel));
            Assert.That(options.DrainTimeout, Is.EqualTo(TimeSpan.FromSeconds(3)), "the configure delegate runs after the binding");
            Assert.That(options.SlowStepThreshold, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
            Assert.That(options.LogScopes, Is.False);
            Assert.That(host.Services.GetRequiredService<EventLoop>().Name, Is.EqualTo("from-config"));
        });
    }

    [Test]
    public async Task Options_FromCommandLine_NameTheLoopThread()
    {
        var sink = new CollectingSink();
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddCoroutine("probe", _ => Probe(seen)),
            args: ["--EventLoop:ThreadName=from-args"]);

        await host.StartAsync().Within();
        string? name = await seen.Task.Within();
        await host.StopAsync().Within();

        Assert.That(name, Is.EqualTo("from-args"));
    }

    [Test]
    public void Options_FromEnvironment_Bound()
    {
        const string Variable = "EventLoop__ThreadName";
        Environment.SetEnvironmentVariable(Variable, "from-env");
        try
        {
            var sink = new CollectingSink();
            using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop());

            Assert.That(host.Services.GetRequiredService<IOptions<EventLoopHostOptions>>().Value.ThreadName, Is.EqualTo("from-env"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    [Test]
    public async Task StartAsync_InvalidValues_FailsNamingEveryKeyAndRule()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop(o =>
        {
            o.ThreadName = " ";
            o.FaultBehavior = (RoutineFaultBehavior)7;
            o.ShutdownBehavior = (EventLoopShutdownBehavior)9;
            o.DrainTimeout = TimeSpan.Zero;
            o.SlowStepThreshold = TimeSpan.FromSeconds(-3);
        }));

        OptionsValidationException? error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Within());

        Assert.That(error!.Failures.Count(), Is.EqualTo(5));
        Assert.That(error.Message, Does.Contain("EventLoop:ThreadName must not be empty")
            .And.Contain("EventLoop:FaultBehavior is 7; valid values: Log, StopHost")
            .And.Contain("EventLoop:ShutdownBehavior is 9; valid values: CancelAll, DrainThenCancel")
            .And.Contain("EventLoop:DrainTimeout is 00:00:00; it must be positive and finite")
            .And.Contain("EventLoop:SlowStepThreshold is -00:00:03; it must be positive"));
    }

    [Test]
    public async Task StartAsync_ValueThatDoesNotConvert_FailsNamingTheKey()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddEventLoop(),
            args: ["--EventLoop:FaultBehavior=Explode"]);

        InvalidOperationException? error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.That(error!.Message, Does.Contain("'EventLoop'").And.Contain("EventLoop:FaultBehavior").And.Contain("Log or StopHost"));
    }

    [Test]
    public async Task StartAsync_MisspeltKey_FailsNamingTheKey()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddEventLoop(),
            args: ["--EventLoop:FaultBehaviour=StopHost"]);

        InvalidOperationException? error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.That(error!.Message, Does.Contain("FaultBehaviour"));
    }

    [Test]
    public void AddEventLoop_CalledTwice_RegistersOneLoopAndOneHostedService()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEventLoop(o => o.ThreadName = "first");
        services.AddEventLoop(o => o.ThreadName = "second");
        services.AddCoroutine<CountingWorker>();

        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Multiple(() =>
        {
            Assert.That(provider.GetServices<IHostedService>().Count(), Is.EqualTo(1));
            Assert.That(provider.GetServices<EventLoop>().Count(), Is.EqualTo(1));
            Assert.That(provider.GetRequiredService<EventLoop>().Name, Is.EqualTo("second"), "the configure delegates run in order");
        });
    }

    [Test]
    public void AddCoroutine_BadArguments_Throw()
    {
        var services = new ServiceCollection();

        Assert.Multiple(() =>
        {
            Assert.That(() => services.AddCoroutine(" ", _ => Probe(new())), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));
            Assert.That(() => services.AddCoroutine("x", (Func<IServiceProvider, IEnumerator>)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("factory"));
            Assert.That(() => services.AddCoroutine<CountingWorker>(""), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));
            Assert.That(() => ((IServiceCollection)null!).AddEventLoop(), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("services"));
        });
    }

    [Test]
    public async Task StartAsync_FactoryReturnsNull_FailsNamingTheRoutine()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b => b.Services.AddCoroutine("nothing", _ => null!));

        InvalidOperationException? error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.That(error!.Message, Does.Contain("'nothing'"));
    }

    [Test]
    public async Task StartAsync_SameIteratorProvidedTwice_FailsWithTheLoopsError()
    {
        var sink = new CollectingSink();
        IEnumerator shared = Probe(new());
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop()
            .AddCoroutine("one", _ => shared)
            .AddCoroutine("two", _ => shared));

        InvalidOperationException? error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync().Within());

        Assert.That(error!.Message, Does.Contain("already running"));
    }

    private static IEnumerator Probe(TaskCompletionSource<string?> seen)
    {
        seen.TrySetResult(Thread.CurrentThread.Name);
        yield break;
    }
}
