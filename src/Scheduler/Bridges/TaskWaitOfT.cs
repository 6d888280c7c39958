namespace Scheduler;

/// <summary>
/// Waits for a .NET task that produces a <typeparamref name="T"/>, and holds the value once it has: returned by
/// <c>Wait.ForTask</c> for a <see cref="Task{TResult}"/> or a <see cref="ValueTask{TResult}"/>, and by
/// <c>Wait.Offload</c>.
/// </summary>
/// <remarks>
/// <para>Yielding it ends the step; the coroutine runs again on the loop thread, in the round after the task
/// completes (see <c>Wait.ForTask</c> for the exact round), and reads <see cref="Result"/>. A faulted task faults
/// the coroutine with the task's own exception (not an <see cref="AggregateException"/>); a canceled task ends the
/// coroutine canceled, like a join of a canceled coroutine.</para>
/// <para>The wait keeps no per-coroutine state, so one instance may be yielded again, and by several coroutines.</para>
/// </remarks>
/// <typeparam name="T">The type of the task's value.</typeparam>
public sealed class TaskWait<T> : WaitCondition
{
    private readonly Task<T> _task;

    internal TaskWait(Task<T> task) => _task = task;

    /// <summary>Gets whether the task has run to completion, so that <see cref="Result"/> holds its value.</summary>
    public bool HasResult => _task.IsCompletedSuccessfully;

    /// <summary>Gets the task's value. Read it after <c>yield return</c> of this wait has resumed the coroutine.</summary>
    /// <remarks>
    /// Never blocks: a task that has not completed throws instead. When the task faulted, reading the result
    /// throws the task's own exception, with its original stack trace.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The task has not completed yet.</exception>
    /// <exception cref="OperationCanceledException">The task was canceled.</exception>
    public T Result => _task.IsCompleted
        ? _task.GetAwaiter().GetResult() // allowed: completed, so it returns or throws at once, unwrapped
        : throw new InvalidOperationException(
            $"{TaskWait.Describe(_task)} has not completed yet (its status is {_task.Status}); read Result after 'yield return' of the wait.");

    internal override void Park(EventLoop loop, IWaiter waiter) => TaskWait.Park(loop, waiter, _task);

    /// <inheritdoc/>
    public override string ToString() => $"Wait.ForTask({TaskWait.Describe(_task)})";
}
