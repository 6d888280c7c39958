namespace Scheduler;

/// <summary>Describes where a <see cref="TaskGroup"/> is in its life.</summary>
/// <remarks>
/// A group starts <see cref="Open"/>, may pass through <see cref="Closing"/>, and ends in exactly one of
/// <see cref="Completed"/>, <see cref="Faulted"/> or <see cref="Canceled"/>, which it never leaves.
/// </remarks>
public enum TaskGroupState : byte
{
    /// <summary>Accepting children; the group ends when a waiter finds every child ended, or when its owner ends.</summary>
    Open,

    /// <summary>
    /// A child faulted, or the group or its owner was canceled: the children still running are being canceled,
    /// and a child spawned now starts canceled. The group ends when the last child has ended.
    /// </summary>
    Closing,

    /// <summary>Every child ended without a fault and the group was not canceled.</summary>
    Completed,

    /// <summary>At least one child faulted; <see cref="TaskGroup.Exception"/> gathers every fault, in the order they happened.</summary>
    Faulted,

    /// <summary>The group was canceled (by <see cref="TaskGroup.Cancel"/>, or because its owner ended) and no child faulted.</summary>
    Canceled,
}
