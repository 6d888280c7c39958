using Microsoft.Extensions.Logging;

namespace Scheduler.Hosting;

/// <summary>
/// Every log message of the hosting layer (category <c>Scheduler.Hosting</c>), with its stable event id, in one
/// place: 100-119. The loop's own messages (category <c>Scheduler.EventLoop</c>) are numbered below 100.
/// </summary>
internal static partial class HostingLog
{
    public const string Category = "Scheduler.Hosting";

    [LoggerMessage(EventId = 100, EventName = "LoopStarted", Level = LogLevel.Information,
        Message = "Event loop {Loop} started on its own thread with {RoutineCount} hosted routine(s): {Routines}")]
    public static partial void LoopStarted(ILogger logger, string loop, int routineCount, string routines);

    [LoggerMessage(EventId = 101, EventName = "RoutineSpawned", Level = LogLevel.Debug,
        Message = "Hosted routine {Routine} spawned as {Coroutine}")]
    public static partial void RoutineSpawned(ILogger logger, string routine, string coroutine);

    [LoggerMessage(EventId = 102, EventName = "LoopStopping", Level = LogLevel.Information,
        Message = "Event loop {Loop} is stopping ({ShutdownBehavior})")]
    public static partial void LoopStopping(ILogger logger, string loop, EventLoopShutdownBehavior shutdownBehavior);

    [LoggerMessage(EventId = 103, EventName = "DrainTimedOut", Level = LogLevel.Information,
        Message = "Event loop {Loop}: coroutines were still alive {DrainMs} ms after the stopping token was canceled; canceling them")]
    public static partial void DrainTimedOut(ILogger logger, string loop, long drainMs);

    [LoggerMessage(EventId = 104, EventName = "LoopStopped", Level = LogLevel.Information,
        Message = "Event loop {Loop} stopped in {ElapsedMs} ms: every coroutine ended and the loop was disposed on its thread")]
    public static partial void LoopStopped(ILogger logger, string loop, long elapsedMs);

    [LoggerMessage(EventId = 105, EventName = "StopTimedOut", Level = LogLevel.Warning,
        Message = "Event loop {Loop} did not stop within the host's shutdown timeout ({ElapsedMs} ms), {RunningStep}. " +
                  "The stop returns now; the loop stops, and is disposed on its thread, when that step returns")]
    public static partial void StopTimedOut(ILogger logger, string loop, long elapsedMs, string runningStep);

    [LoggerMessage(EventId = 106, EventName = "FaultStopsHost", Level = LogLevel.Critical,
        Message = "The fault behavior of event loop {Loop} is StopHost: {Coroutine} faulted and nobody observed it, so the host is stopping")]
    public static partial void FaultStopsHost(ILogger logger, string loop, string coroutine, Exception exception);

    [LoggerMessage(EventId = 107, EventName = "LoopFailed", Level = LogLevel.Critical,
        Message = "Event loop {Loop} stopped running because its driver threw; the host is stopping")]
    public static partial void LoopFailed(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 108, EventName = "LoopDisposeFailed", Level = LogLevel.Error,
        Message = "Disposing event loop {Loop} on its thread threw")]
    public static partial void LoopDisposeFailed(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 109, EventName = "StoppingCallbackFailed", Level = LogLevel.Error,
        Message = "A callback registered on the stopping token of event loop {Loop} threw")]
    public static partial void StoppingCallbackFailed(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 110, EventName = "StillRunningAtDispose", Level = LogLevel.Warning,
        Message = "Event loop {Loop} was still running a step when the host was disposed ({RunningStep}); its remaining coroutines are not disposed")]
    public static partial void StillRunningAtDispose(ILogger logger, string loop, string runningStep);

    [LoggerMessage(EventId = 111, EventName = "WorkerDisposeFailed", Level = LogLevel.Error,
        Message = "Disposing the worker of hosted routine {Worker} threw")]
    public static partial void WorkerDisposeFailed(ILogger logger, string worker, Exception exception);
}
