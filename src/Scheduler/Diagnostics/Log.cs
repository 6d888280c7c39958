using Microsoft.Extensions.Logging;

namespace Scheduler;

/// <summary>Every log message of the library, with its stable event id, in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "UnobservedFault", Level = LogLevel.Error,
        Message = "{Coroutine} faulted and nobody joined it")]
    public static partial void UnobservedFault(ILogger logger, string coroutine, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "DisposalFault", Level = LogLevel.Error,
        Message = "A finally block of {Coroutine} threw while its stack was disposed after an earlier exception")]
    public static partial void DisposalFault(ILogger logger, string coroutine, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "PostedCallbackFault", Level = LogLevel.Error,
        Message = "A callback posted to the event loop threw")]
    public static partial void PostedCallbackFault(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, EventName = "FaultHandlerFault", Level = LogLevel.Error,
        Message = "An UnobservedFault event handler threw")]
    public static partial void FaultHandlerFault(ILogger logger, Exception exception);

    // 10-19: the blocking watchdog (Diagnostics/Watchdog.cs), logged from its own thread.
    [LoggerMessage(EventId = 10, EventName = "SlowStep", Level = LogLevel.Warning,
        Message = "{Coroutine} has been running one step for {ElapsedMs} ms and blocks loop {Loop} (threshold {ThresholdMs} ms); stack: {Stack}")]
    public static partial void SlowStep(ILogger logger, string coroutine, long elapsedMs, string loop, long thresholdMs, string stack);

    [LoggerMessage(EventId = 11, EventName = "SlowStepEnded", Level = LogLevel.Warning,
        Message = "The slow step of {Coroutine} on loop {Loop} ended after {DurationMs} ms (to within {PrecisionMs} ms); stack: {Stack}")]
    public static partial void SlowStepEnded(ILogger logger, string coroutine, string loop, long durationMs, long precisionMs, string stack);

    [LoggerMessage(EventId = 12, EventName = "SlowStepHandlerFault", Level = LogLevel.Error,
        Message = "A SlowStep event handler of loop {Loop} threw")]
    public static partial void SlowStepHandlerFault(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 13, EventName = "WatchdogFault", Level = LogLevel.Error,
        Message = "The blocking watchdog failed while checking loop {Loop}; it goes on at the next check")]
    public static partial void WatchdogFault(ILogger logger, string loop, Exception exception);

    // 20-29: introspection (Loop/EventLoop.Introspection.cs).
    [LoggerMessage(EventId = 20, EventName = "ChannelItemsLeftOver", Level = LogLevel.Warning,
        Message = "Event loop {Loop} was disposed with {Count} item(s) still in {Channel}; nobody will read them")]
    public static partial void ChannelItemsLeftOver(ILogger logger, string loop, int count, string channel);

    [LoggerMessage(EventId = 30, EventName = "ContinuationDropped", Level = LogLevel.Warning,
        Message = "A continuation was posted to the SynchronizationContext of a disposed event loop and was dropped; the async method it belongs to will not resume")]
    public static partial void ContinuationDropped(ILogger logger);
}
