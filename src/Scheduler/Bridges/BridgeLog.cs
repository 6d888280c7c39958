using Microsoft.Extensions.Logging;

namespace Scheduler;

/// <summary>Log messages of the task bridges. Event ids 30-39 are reserved for them (the core's are in <see cref="Log"/>).</summary>
internal static partial class BridgeLog
{
    [LoggerMessage(EventId = 30, EventName = "ContinuationDropped", Level = LogLevel.Warning,
        Message = "A continuation was posted to the SynchronizationContext of a disposed event loop and was dropped; the async method it belongs to will not resume")]
    public static partial void ContinuationDropped(ILogger logger);
}
