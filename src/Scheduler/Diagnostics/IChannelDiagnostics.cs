namespace Scheduler;

/// <summary>
/// What task dumps and the leftovers report read from a channel whatever its item type: a
/// <see cref="MessageChannel{T}"/> (or the channel inside a <see cref="Mailbox{T}"/>) registers itself with its
/// loop under this interface. Loop thread only, like the channel.
/// </summary>
internal interface IChannelDiagnostics
{
    /// <summary>The channel in words: <c>channel 'orders'</c>, <c>a channel of Int32</c>, <c>mailbox 'commands'</c>.</summary>
    string Description { get; }

    /// <summary>Whether this is the channel of a <see cref="Mailbox{T}"/> (readers "receive from" it).</summary>
    bool IsMailbox { get; }

    /// <summary>Items buffered: written and neither taken nor handed to a reader.</summary>
    int BufferedCount { get; }

    /// <summary>Items handed to a waiting reader that has not taken them yet.</summary>
    int HandedCount { get; }

    /// <summary>The most items the channel holds, or null when unbounded.</summary>
    int? Limit { get; }

    /// <summary>Whether writing has ended.</summary>
    bool IsCompleted { get; }

    /// <summary>The waiting readers; a coroutine parked here is reading the channel.</summary>
    WaiterList Readers { get; }

    /// <summary>The waiting writers; a coroutine parked here is writing to a full channel.</summary>
    WaiterList Writers { get; }
}
