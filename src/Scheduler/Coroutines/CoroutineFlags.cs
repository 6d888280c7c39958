namespace Scheduler;

/// <summary>Loop-thread-only bits on a coroutine.</summary>
[Flags]
internal enum CoroutineFlags : byte
{
    None = 0,

    /// <summary>Cancel was applied: the next turn (or the end of the current step) disposes the stack.</summary>
    PendingCancel = 1,

    /// <summary>
    /// A joined coroutine faulted: the next turn disposes the stack and ends faulted with the exception that is
    /// already stored in the extras (so the fault travels as a handle, never as a throw across frames).
    /// </summary>
    PendingFault = 2,

    /// <summary>The coroutine is parked on a "settled" join, which resumes it whatever the outcome.</summary>
    SettledJoin = 4,

    /// <summary>
    /// A driver (<c>RunUntilComplete</c>) waits for this coroutine and will rethrow its fault, so the fault is
    /// observed even without a joiner.
    /// </summary>
    ObservedByDriver = 8,

    /// <summary>A source handed the coroutine a grant (extras.Grant) that its next turn accepts or its end declines.</summary>
    HoldsGrant = 16,

    /// <summary>Either pending end: the next turn is a disposal, not a <c>MoveNext</c>.</summary>
    PendingEnd = PendingCancel | PendingFault,
}
