using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Scheduler.Hosting.Tests.Support;

/// <summary>Builds real generic hosts (Host.CreateApplicationBuilder) that log through Serilog into a <see cref="CollectingSink"/>.</summary>
public static class TestHosts
{
    /// <summary>A bound for every wait in these tests: they end in milliseconds, and fail instead of hanging.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static IHost Build(CollectingSink sink, Action<HostApplicationBuilder> configure, string[]? args = null, TimeSpan? shutdownTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args ?? [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Testing",
        });

        Serilog.Core.Logger serilog = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .Enrich.FromLogContext()
            .WriteTo.Sink(sink)
            .CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddSerilog(serilog, dispose: true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5));
        configure(builder);
        return builder.Build();
    }

    /// <summary>Awaits <paramref name="task"/>, failing the test after <see cref="Patience"/>.</summary>
    public static Task Within(this Task task) => task.WaitAsync(Patience);

    /// <summary>Awaits <paramref name="task"/>, failing the test after <see cref="Patience"/>.</summary>
    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Patience);
}

/// <summary>A thread-safe list of what routines did, shared with the test through the container.</summary>
public sealed class Recorder
{
    private readonly Lock _gate = new();
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The entries joined with " | ", for exact comparisons.</summary>
    public override string ToString() => string.Join(" | ", Entries);

    /// <summary>The entries in ordinal order joined with " | ", for comparisons that ignore order.</summary>
    public string Sorted() => string.Join(" | ", Entries.Order(StringComparer.Ordinal));

    public void Add(string entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }
}
