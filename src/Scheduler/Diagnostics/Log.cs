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

    [LoggerMessage(EventId = 30, EventName = "ContinuationDropped", Level = LogLevel.Warning,
        Message = "A continuation was posted to the SynchronizationContext of a disposed event loop and was dropped; the async method it belongs to will not resume")]
    public static partial void ContinuationDropped(ILogger logger);
}
