namespace Scheduler;

// The task waits of the catalogue: a coroutine waits for a .NET task (see docs/async.md).
public static partial class Wait
{
    /// <summary>Creates a wait that resumes the coroutine on the loop thread once <paramref name="task"/> has completed.</summary>
    /// <remarks>
    /// <para>The same as <c>yield return task</c>. Yielding it ends the step. A task that has already completed
    /// resumes the coroutine in the next round. Otherwise the task's completion, on whatever thread it happens,
    /// runs no user code there: it goes through the loop's inbox and the coroutine runs in the first round that
    /// starts after it (a task completed by code on the loop thread, such as an async method that runs on the
    /// loop, wakes it at once, so it runs in that round's step phase or the next round's).</para>
    /// <para>A faulted task faults the coroutine with the task's own exception (the first inner exception, not an
    /// <see cref="AggregateException"/>), same instance, its <c>finally</c> blocks running. A canceled task ends
    /// the coroutine canceled, like joining a canceled coroutine; to inspect the outcome instead, wait for
    /// <c>Task.WhenAny(task)</c>, which always completes, then look at the task. Canceling the coroutine while it
    /// waits removes its registration: a completion that arrives later is ignored. It does not cancel the task;
    /// pass the task a <see cref="CancellationToken"/> for that.</para>
    /// <para>Composes with <see cref="Wait.All"/> and <see cref="Wait.Any"/>. Each call allocates a small
    /// wait; each wait in progress allocates one registration.</para>
    /// </remarks>
    /// <param name="task">The task to wait for; it must have been started.</param>
    /// <returns>A wait that may be yielded again and by several coroutines.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is null.</exception>
    public static WaitCondition ForTask(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskWait(task);
    }

    /// <summary>Creates a wait that resumes the coroutine once <paramref name="task"/> has completed, and holds its value.</summary>
    /// <remarks>Like <see cref="ForTask(Task)"/>; after the coroutine resumes, read <see cref="TaskWait{T}.Result"/>.</remarks>
    /// <typeparam name="T">The type of the task's value.</typeparam>
    /// <param name="task">The task to wait for; it must have been started.</param>
    /// <returns>A wait whose <see cref="TaskWait{T}.Result"/> holds the value once the coroutine has resumed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is null.</exception>
    public static TaskWait<T> ForTask<T>(Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskWait<T>(task);
    }

    /// <summary>Creates a wait that resumes the coroutine once <paramref name="task"/> has completed.</summary>
    /// <remarks>
    /// Like <see cref="ForTask(Task)"/>. The value task is consumed here, as a value task may be awaited only
    /// once: one that has already completed is read at once, any other is converted with
    /// <see cref="ValueTask.AsTask"/>. Do not use <paramref name="task"/> again afterwards.
    /// </remarks>
    /// <param name="task">The value task to wait for.</param>
    /// <returns>A wait that may be yielded again and by several coroutines.</returns>
    public static WaitCondition ForTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult(); // allowed: completed, so this consumes it (a pooled source is released) without blocking
            return new TaskWait(Task.CompletedTask);
        }

        return new TaskWait(task.AsTask());
    }

    /// <summary>Creates a wait that resumes the coroutine once <paramref name="task"/> has completed, and holds its value.</summary>
    /// <remarks>
    /// Like <see cref="ForTask{T}(Task{T})"/>. The value task is consumed here: one that has already completed
    /// is read at once, any other is converted with <see cref="ValueTask{TResult}.AsTask"/>. Do not use
    /// <paramref name="task"/> again afterwards.
    /// </remarks>
    /// <typeparam name="T">The type of the task's value.</typeparam>
    /// <param name="task">The value task to wait for.</param>
    /// <returns>A wait whose <see cref="TaskWait{T}.Result"/> holds the value once the coroutine has resumed.</returns>
    public static TaskWait<T> ForTask<T>(ValueTask<T> task) =>
        new(task.IsCompletedSuccessfully ? Task.FromResult(task.Result) : task.AsTask()); // allowed: Result only when completed

    /// <summary>Runs <paramref name="work"/> on the thread pool and creates a wait for its value, so CPU-heavy work never blocks the loop.</summary>
    /// <remarks>
    /// The same as <c>Wait.ForTask(Task.Run(work, cancellationToken))</c>: the work starts at once (not when the
    /// wait is yielded), the loop keeps running other coroutines, and the coroutine resumes on the loop thread
    /// once the work is done. The work runs on a pool thread: it must not touch loop-only members or state that
    /// coroutines use without synchronization. An exception it throws faults the coroutine, unwrapped; a token
    /// canceled before it starts ends the coroutine canceled.
    /// </remarks>
    /// <typeparam name="T">The type of the work's value.</typeparam>
    /// <param name="work">The work to run on the thread pool.</param>
    /// <param name="cancellationToken">Cancels the work if it has not started yet.</param>
    /// <returns>A wait whose <see cref="TaskWait{T}.Result"/> holds the value once the coroutine has resumed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    public static TaskWait<T> Offload<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return new TaskWait<T>(Task.Run(work, cancellationToken));
    }

    /// <summary>Runs asynchronous <paramref name="work"/> on the thread pool and creates a wait for its value.</summary>
    /// <remarks>Like <see cref="Offload{T}(Func{T}, CancellationToken)"/>, for work that is itself asynchronous: the wait ends when the task it returns completes.</remarks>
    /// <typeparam name="T">The type of the work's value.</typeparam>
    /// <param name="work">The work to run on the thread pool.</param>
    /// <param name="cancellationToken">Cancels the work if it has not started yet.</param>
    /// <returns>A wait whose <see cref="TaskWait{T}.Result"/> holds the value once the coroutine has resumed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    public static TaskWait<T> Offload<T>(Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return new TaskWait<T>(Task.Run(work, cancellationToken));
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool and creates a wait for it to finish.</summary>
    /// <remarks>Like <see cref="Offload{T}(Func{T}, CancellationToken)"/>, for work without a value.</remarks>
    /// <param name="work">The work to run on the thread pool.</param>
    /// <param name="cancellationToken">Cancels the work if it has not started yet.</param>
    /// <returns>A wait for the work.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    public static WaitCondition Offload(Action work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return new TaskWait(Task.Run(work, cancellationToken));
    }

    /// <summary>Runs asynchronous <paramref name="work"/> on the thread pool and creates a wait for it to finish.</summary>
    /// <remarks>Like <see cref="Offload(Action, CancellationToken)"/>, for work that is itself asynchronous: the wait ends when the task it returns completes.</remarks>
    /// <param name="work">The work to run on the thread pool.</param>
    /// <param name="cancellationToken">Cancels the work if it has not started yet.</param>
    /// <returns>A wait for the work.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    public static WaitCondition Offload(Func<Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return new TaskWait(Task.Run(work, cancellationToken));
    }
}
