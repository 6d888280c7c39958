namespace Scheduler;

/// <summary>
/// One live coroutine as <see cref="EventLoop.Snapshot"/> saw it: who it is, where it is in its life, what it
/// waits on in words, and its stack of nested routines. Immutable: it does not change when the coroutine does.
/// </summary>
public sealed class TaskSnapshot
{
    internal TaskSnapshot(
        Coroutine coroutine,
        TimeSpan age,
        string waitingOn,
        IReadOnlyList<string> stack,
        TaskGroup? group)
    {
        Id = coroutine.Id;
        Name = coroutine.Name;
        Description = coroutine.ToString();
        State = coroutine.State;
        Steps = coroutine.Steps;
        Age = age;
        WaitingOn = waitingOn;
        Stack = stack;
        Group = group;
        GroupName = group?.Name;
        ParentId = group?.Owner.Id;
    }

    /// <summary>Gets the coroutine's id (<see cref="Coroutine.Id"/>).</summary>
    public long Id { get; }

    /// <summary>Gets the name given at spawn, or null.</summary>
    public string? Name { get; }

    /// <summary>Gets the coroutine as messages name it, for example <c>coroutine 'worker' (#3)</c>.</summary>
    public string Description { get; }

    /// <summary>Gets the coroutine's state: <see cref="CoroutineState.Ready"/>, <see cref="CoroutineState.Running"/> or <see cref="CoroutineState.Waiting"/>.</summary>
    public CoroutineState State { get; }

    /// <summary>Gets how many steps the coroutine had run.</summary>
    public long Steps { get; }

    /// <summary>Gets how long ago, on the loop's clock, the coroutine started (was admitted to the loop).</summary>
    public TimeSpan Age { get; }

    /// <summary>Gets what the coroutine waits on, in words.</summary>
    /// <remarks>
    /// For example <c>ready</c>, <c>running</c>, <c>sleeping until 00:00:05</c> (a time on the loop's clock,
    /// counted from the loop's creation, like <see cref="LoopSnapshot.Time"/>), <c>waiting for round 12</c>,
    /// <c>joining coroutine 'worker-3' (#4)</c>, <c>reading channel 'orders'</c>,
    /// <c>writing channel 'orders' (full, 8/8)</c>, <c>waiting for signal 'ready'</c>,
    /// <c>acquiring semaphore 'db' (0 of 2 free)</c>, <c>acquiring lock 'cache' held by coroutine 'a' (#2)</c>,
    /// <c>until IsReady</c>, <c>any of: [...]</c>, <c>all of: [...]</c>, <c>waiting for a .NET task (task #7)</c>,
    /// <c>socket receive: socket 127.0.0.1:5000 -&gt; 127.0.0.1:41230</c>. The wording is meant for people and
    /// may be refined; do not parse it.
    /// </remarks>
    public string WaitingOn { get; }

    /// <summary>Gets the coroutine's stack of routines as method names, outermost (the routine spawned) first.</summary>
    /// <remarks>An iterator method shows as its name (<c>Worker</c>), not the compiler's type name (<c>&lt;Worker&gt;d__3</c>).</remarks>
    public IReadOnlyList<string> Stack { get; }

    /// <summary>Gets the id of the coroutine that owns the task group this coroutine was spawned into, or null.</summary>
    public long? ParentId { get; }

    /// <summary>Gets the name of the task group this coroutine was spawned into, or null (no group, or an unnamed one).</summary>
    public string? GroupName { get; }

    /// <summary>The group itself, which tells two groups of one owner apart in the dump's tree.</summary>
    internal TaskGroup? Group { get; }

    /// <summary>Describes the task in one line, as the dump shows it (without indentation).</summary>
    /// <returns>For example <c>coroutine 'worker-3' (#4): sleeping until 00:00:05; 2 steps, age 00:00:01.500; in Worker &gt; Poll</c>.</returns>
    public override string ToString() => SnapshotFormatter.FormatTask(this);
}
