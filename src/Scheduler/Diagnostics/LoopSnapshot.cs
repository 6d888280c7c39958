namespace Scheduler;

/// <summary>
/// Every live coroutine of an <see cref="EventLoop"/> at one moment, with what each waits on, its stack of
/// routines and the task-group tree, plus the channels that hold items and the loop's statistics. Taken by
/// <see cref="EventLoop.Snapshot"/>; <see cref="ToString"/> is the text dump.
/// </summary>
/// <remarks>
/// Immutable: a snapshot does not change as the loop goes on. Times (<see cref="Time"/>,
/// <see cref="TaskSnapshot.Age"/>, the deadlines in <see cref="TaskSnapshot.WaitingOn"/>) are on the loop's
/// clock and counted from the loop's creation, so on a <see cref="VirtualClock"/> a dump is the same on every run.
/// </remarks>
/// <example>
/// <code>
/// loop.RunUntilIdle(maxSteps: 10_000);
/// LoopSnapshot snapshot = loop.Snapshot();
/// foreach (TaskSnapshot task in snapshot.Tasks)
/// {
///     Console.WriteLine($"{task.Description}: {task.WaitingOn}");
/// }
///
/// Console.WriteLine(snapshot);     // the dump: one line per task, task groups as a tree
/// </code>
/// </example>
public sealed class LoopSnapshot
{
    internal LoopSnapshot(
        string loopName,
        TimeSpan time,
        IReadOnlyList<TaskSnapshot> tasks,
        IReadOnlyList<ChannelSnapshot> channels,
        LoopStatistics statistics)
    {
        LoopName = loopName;
        Time = time;
        Tasks = tasks;
        Channels = channels;
        Statistics = statistics;
    }

    /// <summary>Gets the loop's name (<see cref="EventLoop.Name"/>).</summary>
    public string LoopName { get; }

    /// <summary>Gets the loop's time when the snapshot was taken: how far its clock had moved since the loop was created.</summary>
    public TimeSpan Time { get; }

    /// <summary>Gets every live coroutine, in the order they started (by <see cref="TaskSnapshot.Id"/>).</summary>
    public IReadOnlyList<TaskSnapshot> Tasks { get; }

    /// <summary>Gets the channels and mailboxes that held items, in the order they were created.</summary>
    public IReadOnlyList<ChannelSnapshot> Channels { get; }

    /// <summary>Gets the loop's counts at the same moment.</summary>
    public LoopStatistics Statistics { get; }

    /// <summary>Gets the coroutines spawned into task groups owned by <paramref name="task"/>, in the order they started.</summary>
    /// <param name="task">A task of this snapshot.</param>
    /// <returns>The children; empty when the task owns no group with live children.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is null.</exception>
    public IReadOnlyList<TaskSnapshot> GetChildren(TaskSnapshot task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Tasks.Where(t => t.ParentId == task.Id).ToList();
    }

    /// <summary>Writes the text dump: a header with the statistics, one line per task (task groups indented under their owner), then the channels that hold items.</summary>
    /// <returns>The dump, lines separated by <see cref="Environment.NewLine"/>.</returns>
    /// <remarks>
    /// Stable for a given state, so a test can compare it whole. For example:
    /// <code>
    /// event loop 'demo' at 00:00:00.250: 3 live (0 ready, 0 running, 2 waiting, 1 sleeping), 7 steps, 3 rounds, 0 faults
    /// coroutine 'supervisor' (#1): waiting for task group 'workers' (1 live child); 2 steps, age 00:00:00.250; in Supervise
    ///   task group 'workers':
    ///     coroutine 'worker-1' (#2): sleeping until 00:00:01; 2 steps, age 00:00:00.250; in Work &gt; Poll
    /// coroutine 'reader' (#3): reading channel 'orders'; 1 step, age 00:00:00.250; in Read
    /// </code>
    /// </remarks>
    public override string ToString() => SnapshotFormatter.Format(this, int.MaxValue);
}
