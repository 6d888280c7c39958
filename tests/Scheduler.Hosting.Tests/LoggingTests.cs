using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Hosting.Tests.Support;
using Serilog.Events;

namespace Scheduler.Hosting.Tests;

/// <summary>
/// Logging through the host's ILoggerFactory into Serilog: what a coroutine logs carries its id and name, and the
/// hosting layer's own messages have stable event ids.
/// </summary>
public class LoggingTests
{
    [Test]
    public async Task LogScopes_WorkerLogsInsideItsSteps_SerilogEventsCarryCoroutineIdAndName()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b => b.Services
            .AddSingleton<GreetingWorker.Done>()
            .AddCoroutine<GreetingWorker>("greeter"));

        await host.StartAsync().Within();
        await host.Services.GetRequiredService<GreetingWorker.Done>().Task.Within();
        await host.StopAsync().Within();

        IReadOnlyList<LogEvent> greetings = [.. sink.Events.Where(e => e.MessageTemplate.Text.StartsWith("Hello", StringComparison.Ordinal))];
        Assert.That(greetings, Has.Count.EqualTo(2), sink.Dump());
        Assert.Multiple(() =>
        {
            foreach (LogEvent greeting in greetings)
            {
                Assert.That(CollectingSink.Property(greeting, "CoroutineName"), Is.EqualTo("greeter"));
                Assert.That(CollectingSink.Property(greeting, "CoroutineId"), Is.TypeOf<long>().And.GreaterThan(0L));
                Assert.That(CollectingSink.Property(greeting, "SourceContext"), Is.EqualTo(typeof(GreetingWorker).FullName));
            }
        });
    }

    [Test]
    public async Task LogScopes_TurnedOffInConfiguration_EventsCarryNoCoroutineProperties()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(
            sink,
            b => b.Services.AddSingleton<GreetingWorker.Done>().AddCoroutine<GreetingWorker>("greeter"),
            args: ["--EventLoop:LogScopes=false"]);

        await host.StartAsync().Within();
        await host.Services.GetRequiredService<GreetingWorker.Done>().Task.Within();
        await host.StopAsync().Within();

        LogEvent greeting = sink.Events.First(e => e.MessageTemplate.Text.StartsWith("Hello", StringComparison.Ordinal));
        Assert.That(greeting.Properties.Keys, Has.No.Member("CoroutineId").And.No.Member("CoroutineName"));
    }

    [Test]
    public async Task HostingMessages_StartAndStop_HaveStableEventIdsInTheirOwnCategory()
    {
        var sink = new CollectingSink();
        using IHost host = TestHosts.Build(sink, b => b.Services.AddEventLoop().AddCoroutine("idle", _ => Idle()));

        await host.StartAsync().Within();
        await host.StopAsync().Within();

        IReadOnlyList<LogEvent> hosting = [.. sink.Events.Where(e => Equals(CollectingSink.Property(e, "SourceContext"), "Scheduler.Hosting"))];
        Assert.That(
            string.Join(" ", hosting.Select(e => $"{CollectingSink.EventIdOf(e)}:{e.Level}")),
            Is.EqualTo("101:Debug 100:Information 102:Information 104:Information"),
            sink.Dump());

        static IEnumerator Idle()
        {
            yield return Wait.Forever;
        }
    }
}

/// <summary>A worker that logs through its own injected logger from inside two steps.</summary>
public sealed partial class GreetingWorker(ILogger<GreetingWorker> logger, GreetingWorker.Done done) : IHostedRoutine
{
    public IEnumerator Run(CancellationToken stoppingToken)
    {
        Hello(logger, "first");
        yield return null;
        Hello(logger, "second");
        done.SetResult();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Hello from the {Step} step")]
    private static partial void Hello(ILogger logger, string step);

    public sealed class Done() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}
