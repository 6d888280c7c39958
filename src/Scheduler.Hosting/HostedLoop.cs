using Microsoft.Extensions.Logging;

namespace Scheduler.Hosting;

/// <summary>Creates the hosted <see cref="EventLoop"/> from the validated options: a singleton, so one loop per container.</summary>
internal static class HostedLoop
{
    /// <summary>The category the loop itself logs with (unobserved faults, slow steps, leftovers, step scopes).</summary>
    public const string LoopCategory = "Scheduler.EventLoop";

    public static EventLoop Create(EventLoopHostOptions options, ILoggerFactory loggerFactory, TimeProvider clock) =>
        new(new EventLoopOptions
        {
            Clock = clock,
            KeepRunningWhenEmpty = true, // the host stops it, not an empty moment
            Name = options.ThreadName,
            LogScopes = options.LogScopes,
            SlowStepThreshold = options.SlowStepThreshold,
            Logger = loggerFactory.CreateLogger(LoopCategory),
        });
}
