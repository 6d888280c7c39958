using System.Collections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler;
using Scheduler.Hosting;

namespace Samples.WorkerService;

/// <summary>The sample's own settings: the "Sample" section of appsettings.json.</summary>
internal sealed class SampleOptions
{
    public const string SectionName = "Sample";

    /// <summary>How long the sample runs before it stops itself; 0 runs until Ctrl+C.</summary>
    public double RunForSeconds { get; set; } = 2;

    public int OrderEveryMilliseconds { get; set; } = 150;

    public int PackMilliseconds { get; set; } = 400;

    /// <summary>When positive, the packer throws on that order: shows the fault behavior.</summary>
    public int FailAtOrder { get; set; }
}

internal sealed record Order(int Number, string Item);

/// <summary>An ordinary service that workers get injected; used only from the loop thread here.</summary>
internal sealed class Inventory
{
    private readonly Dictionary<string, int> _stock = new() { ["apples"] = 40, ["pears"] = 25, ["plums"] = 30 };

    public static readonly string[] Items = ["apples", "pears", "plums"];

    public int Take(string item) => --_stock[item];
}

// <snippet:WorkerServiceProducer>
/// <summary>Writes an order into the bounded channel every few milliseconds; waits while the channel is full.</summary>
internal sealed class OrderProducer(MessageChannel<Order> orders, IOptions<SampleOptions> options, ILogger<OrderProducer> logger)
    : IHostedRoutine
{
    public IEnumerator Run(CancellationToken stoppingToken)
    {
        int number = 0;
        try
        {
            while (true)
            {
                var order = new Order(++number, Inventory.Items[number % Inventory.Items.Length]);
                yield return orders.Write(order); // backpressure: parks while the packer is behind
                Log.Produced(logger, order.Number, order.Item);
                yield return Wait.For(TimeSpan.FromMilliseconds(options.Value.OrderEveryMilliseconds));
            }
        }
        finally
        {
            Log.RoutineStopped(logger, "producer", Thread.CurrentThread.Name);
        }
    }
}
// </snippet:WorkerServiceProducer>

// <snippet:WorkerServicePacker>
/// <summary>Reads orders and packs them, slower than they come, taking stock from the injected inventory.</summary>
internal sealed class OrderPacker(MessageChannel<Order> orders, Inventory inventory, IOptions<SampleOptions> options, ILogger<OrderPacker> logger)
    : IHostedRoutine
{
    public IEnumerator Run(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                ReadWait<Order> read = orders.Read();
                yield return read;
                Order order = read.Value;
                yield return Wait.For(TimeSpan.FromMilliseconds(options.Value.PackMilliseconds));
                if (order.Number == options.Value.FailAtOrder)
                {
                    throw new InvalidOperationException($"order {order.Number} has no address");
                }

                int left = inventory.Take(order.Item);
                Log.Packed(logger, order.Number, order.Item, left);
            }
        }
        finally
        {
            Log.RoutineStopped(logger, "packer", Thread.CurrentThread.Name);
        }
    }
}
// </snippet:WorkerServicePacker>

// <snippet:WorkerServiceStopAfter>
/// <summary>Stops the application after Sample:RunForSeconds, the way Ctrl+C does; 0 leaves it running.</summary>
internal sealed class StopAfter(IHostApplicationLifetime lifetime, IOptions<SampleOptions> options, ILogger<StopAfter> logger)
    : IHostedRoutine
{
    public IEnumerator Run(CancellationToken stoppingToken)
    {
        double seconds = options.Value.RunForSeconds;
        if (seconds <= 0)
        {
            yield break;
        }

        yield return Wait.For(TimeSpan.FromSeconds(seconds));
        Log.TimeIsUp(logger, seconds);
        lifetime.StopApplication(); // the host stops: the loop cancels every coroutine, and each finally runs
    }
}
// </snippet:WorkerServiceStopAfter>

/// <summary>The sample's log messages, with event ids (the analyzers ask for [LoggerMessage]).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Order {Number} ({Item}) is in the channel")]
    public static partial void Produced(ILogger logger, int number, string item);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Order {Number} packed; {Left} {Item} left")]
    public static partial void Packed(ILogger logger, int number, string item, int left);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Tick {Tick}")]
    public static partial void Tick(ILogger logger, int tick);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Ran for {Seconds} s: stopping the application")]
    public static partial void TimeIsUp(ILogger logger, double seconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "The {Routine} routine stopped: its finally block ran on thread {Thread}")]
    public static partial void RoutineStopped(ILogger logger, string routine, string? thread);
}
