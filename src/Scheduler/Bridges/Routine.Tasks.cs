using System.Collections;

namespace Scheduler;

// An async method as a routine (see docs/async.md).
public static partial class Routine
{
    /// <summary>Creates a routine that starts an <c>async</c> method on the loop and waits for it: an async method as a coroutine.</summary>
    /// <remarks>
    /// <para><paramref name="start"/> runs in the routine's first step, on the loop thread with the loop's
    /// <see cref="EventLoop.SynchronizationContext"/> current, so every <c>await</c> in the method resumes on the
    /// loop thread. The routine then waits for the returned task as <see cref="Wait.ForTask(Task)"/> does, so the
    /// coroutine ends when the method does: completed, faulted with the method's own exception, or canceled.
    /// Spawned, the method becomes a coroutine that others can join and that keeps <see cref="EventLoop.Run"/>
    /// running; delegated to (<c>yield return Routine.FromTask(...)</c>), it runs inside the caller's coroutine.</para>
    /// <para>Canceling the coroutine stops the waiting, not the method: its remaining continuations still run on
    /// the loop. Pass it a <see cref="CancellationToken"/> to stop it.</para>
    /// </remarks>
    /// <param name="start">Starts the async method, for example <c>() =&gt; SaveAsync(data)</c>.</param>
    /// <returns>A routine to spawn or delegate to.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="start"/> is null.</exception>
    public static IEnumerator FromTask(Func<Task> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return TaskBridge.RunTask(start);
    }

    /// <summary>Creates a routine that starts an <c>async</c> method on the loop, waits for it and returns its value.</summary>
    /// <remarks>
    /// Like <see cref="FromTask(Func{Task})"/>; the routine ends with the method's value, so spawn it with
    /// <see cref="EventLoop.Spawn{T}(IEnumerator, string?)"/> or call it with <see cref="Routine.Call{T}(IEnumerator)"/>.
    /// </remarks>
    /// <typeparam name="T">The type of the method's value.</typeparam>
    /// <param name="start">Starts the async method, for example <c>() =&gt; LoadAsync(id)</c>.</param>
    /// <returns>A routine that returns the method's value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="start"/> is null.</exception>
    public static IEnumerator FromTask<T>(Func<Task<T>> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return TaskBridge.RunTask(start);
    }
}
