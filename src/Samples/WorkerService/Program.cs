using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler;
using Scheduler.Hosting;
using Serilog;

namespace Samples.WorkerService;

// WorkerService: the event loop inside a .NET generic host. Serilog (configured in appsettings.json) behind
// ILogger<T>, options from configuration, hosted routines from DI (a producer and a packer over a bounded
// channel, a ticker, a timer that ends the run), and a graceful stop on Ctrl+C. By default it stops itself after
// 2 seconds (Sample:RunForSeconds, or --run-for N; 0 runs until Ctrl+C). docs/hosting.md quotes the code between
// the `// <snippet:NAME>` markers verbatim; DocSnippetTests keeps them in step.
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // <snippet:WorkerServiceHost>
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory, // appsettings.json is copied next to the program
        });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--run-for"] = "Sample:RunForSeconds" });

        // Serilog, configured from the "Serilog" section, behind every ILogger<T> of the application.
        Serilog.Core.Logger serilog = new LoggerConfiguration().ReadFrom.Configuration(builder.Configuration).CreateLogger();
        builder.Logging.ClearProviders().AddSerilog(serilog, dispose: true);

        builder.Services.AddOptions<SampleOptions>().BindConfiguration(SampleOptions.SectionName);
        builder.Services.AddSingleton<Inventory>();
        builder.Services.AddSingleton(sp => new MessageChannel<Order>(sp.GetRequiredService<EventLoop>(), 3, "orders"));

        builder.Services.AddEventLoop()                      // options: the "EventLoop" section
            .AddCoroutine<OrderProducer>("producer")         // workers get their services injected
            .AddCoroutine<OrderPacker>("packer")
            .AddCoroutine("ticker", sp => Ticker(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Ticker")))
            .AddCoroutine<StopAfter>("stop-after");          // ends the run after Sample:RunForSeconds

        using IHost host = builder.Build();
        // </snippet:WorkerServiceHost>

        double runFor = host.Services.GetRequiredService<IOptions<SampleOptions>>().Value.RunForSeconds;
        Console.WriteLine("== Worker service: a producer and a packer over a bounded channel, and a ticker, on one loop thread");
        Console.WriteLine(runFor > 0 ? $"   It stops by itself after {runFor} s (--run-for N; 0 runs until Ctrl+C); Ctrl+C stops it sooner." : "   Press Ctrl+C to stop it.");
        try
        {
            // <snippet:WorkerServiceRun>
            await host.RunAsync(); // returns once the host has stopped: every finally has run on the loop thread
            // </snippet:WorkerServiceRun>
        }
        catch (Exception ex)
        {
            // Invalid options fail the start; with EventLoop:FaultBehavior=StopHost, a fault stops the host and
            // RunAsync throws it.
            Console.WriteLine($"== The host ended with {ex.GetType().Name}: {ex.Message}");
            return 1;
        }

        Console.WriteLine("== Stopped: every routine's finally block ran on the loop thread; the orders left in the channel were reported");
        return 0;
    }

    // <snippet:WorkerServiceTicker>
    private static IEnumerator Ticker(Microsoft.Extensions.Logging.ILogger logger)
    {
        int tick = 0;
        try
        {
            while (true)
            {
                yield return Wait.For(TimeSpan.FromMilliseconds(500));
                Log.Tick(logger, ++tick);
            }
        }
        finally
        {
            Log.RoutineStopped(logger, "ticker", Thread.CurrentThread.Name);
        }
    }
    // </snippet:WorkerServiceTicker>
}
