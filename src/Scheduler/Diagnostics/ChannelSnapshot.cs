namespace Scheduler;

/// <summary>
/// A channel (or mailbox) that held items when <see cref="EventLoop.Snapshot"/> was taken: what is buffered in
/// it and who waits on it. Immutable.
/// </summary>
public sealed class ChannelSnapshot
{
    internal ChannelSnapshot(IChannelDiagnostics channel)
    {
        Description = channel.Description;
        Count = channel.BufferedCount;
        HandedToReaders = channel.HandedCount;
        Capacity = channel.Limit;
        IsCompleted = channel.IsCompleted;
        WaitingReaders = channel.Readers.Count;
        WaitingWriters = channel.Writers.Count;
    }

    /// <summary>Gets the channel in words, for example <c>channel 'orders'</c> or <c>a channel of Int32</c>.</summary>
    public string Description { get; }

    /// <summary>Gets how many items are buffered: written, and neither read nor handed to a reader.</summary>
    public int Count { get; }

    /// <summary>Gets how many items were handed to waiting readers that have not run yet to take them.</summary>
    public int HandedToReaders { get; }

    /// <summary>Gets the most items the channel holds, or null when it is unbounded.</summary>
    public int? Capacity { get; }

    /// <summary>Gets whether writing has ended (<see cref="MessageChannel{T}.Complete"/>).</summary>
    public bool IsCompleted { get; }

    /// <summary>Gets how many readers wait for an item.</summary>
    public int WaitingReaders { get; }

    /// <summary>Gets how many writers wait for room.</summary>
    public int WaitingWriters { get; }

    /// <summary>Describes the channel in one line, as the dump shows it.</summary>
    /// <returns>For example <c>channel 'orders': 8 buffered, capacity 8, 2 writers waiting</c>.</returns>
    public override string ToString() => SnapshotFormatter.FormatChannel(this);
}
