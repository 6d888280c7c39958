namespace Scheduler;

/// <summary>
/// Waits for a .NET <see cref="Task"/>: what <c>Wait.ForTask(task)</c> returns, and what <c>yield return task</c>
/// parks on (without allocating this object). The task's state lives in the task and the registration in a
/// <see cref="TaskCompletionRelay"/>, so one instance may be yielded by many coroutines.
/// </summary>
/// <remarks>
/// Outcomes: a task that ran to completion resumes the waiter; a faulted task faults it with the task's own
/// exception (the first of <see cref="AggregateException.InnerExceptions"/>, as <c>await</c> throws it); a canceled
/// task makes the waiter end canceled, exactly like joining a canceled coroutine (Semantics 4), so cancellation
/// is never reported as a fault.
/// </remarks>
internal sealed class TaskWait(Task task) : WaitCondition
{
    public Task Task { get; } = task;

    internal override void Park(EventLoop loop, IWaiter waiter) => Park(loop, waiter, Task);

    public override string ToString() => $"Wait.ForTask({Describe(Task)})";

    /// <summary>A coroutine yielded <paramref name="task"/> itself: park it on the task. The step ends.</summary>
    internal static bool Apply(EventLoop loop, Coroutine coroutine, Task task)
    {
        coroutine._state = CoroutineState.Waiting;
        Park(loop, coroutine, task);
        return true;
    }

    /// <summary>
    /// Parks <paramref name="waiter"/> until <paramref name="task"/> completes. A task that is already complete
    /// wakes the waiter at once (it is queued, so it still runs no earlier than the next round).
    /// </summary>
    internal static void Park(EventLoop loop, IWaiter waiter, Task task)
    {
        if (task.IsCompleted)
        {
            WakeWithOutcome(loop, waiter, task);
            return;
        }

        if (task.Status == TaskStatus.Created)
        {
            throw new InvalidOperationException(
                $"{(object?)loop.CurrentCoroutine ?? "A coroutine"} waits for a Task that was never started ({Describe(task)}), " +
                "so it would wait forever. Start it (Task.Start), or create it with Task.Run.");
        }

        int ticket = loop.ParkExternal(waiter);
        var relay = new TaskCompletionRelay(loop, waiter, ticket, task);

        // A synchronous continuation on the default scheduler runs where the task completes, whatever context is
        // current there. An awaiter continuation would not: .NET refuses to inline one while a non-default
        // SynchronizationContext is current (the loop's own, during a driver) and sends it to the thread pool, so
        // a task completed by code on the loop would wake its waiter at some later, unpredictable round.
        _ = task.ContinueWith(
            static (_, state) => ((TaskCompletionRelay)state!).OnTaskCompleted(),
            relay,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Wakes <paramref name="waiter"/> with the outcome of the completed <paramref name="task"/>. Loop thread only.</summary>
    internal static void WakeWithOutcome(EventLoop loop, IWaiter waiter, Task task)
    {
        switch (task.Status)
        {
            case TaskStatus.RanToCompletion:
                waiter.Wake(loop, null, null);
                break;
            case TaskStatus.Faulted:
                // The task's own exception, not the AggregateException around it (what await throws).
                waiter.Wake(loop, null, task.Exception!.InnerExceptions[0]);
                break;
            default:
                // Canceled: inherit a cancellation the way a joiner of a canceled coroutine does.
                waiter.Wake(loop, loop.CanceledTaskMarker, null);
                break;
        }
    }

    internal static string Describe(Task task) => $"task #{task.Id}";
}
