using System.Runtime.CompilerServices;

namespace Scheduler;

// Async code waits for a coroutine: coroutine.AsTask() and await coroutine. Classic extension methods (not an
// extension block): the typed overloads win over the untyped ones by the better conversion, so
// `await typedCoroutine` returns T; instance members on Coroutine would hide them.
public static partial class TaskBridge
{
    /// <summary>Creates a task that completes when the coroutine ends: for async code, on any thread, to wait for a coroutine.</summary>
    /// <remarks>
    /// <para>The task completes when the coroutine completes; faults with the coroutine's exception, the same
    /// instance (so <c>await</c> throws it unwrapped); and is canceled when the coroutine is canceled (so
    /// <c>await</c> throws <see cref="TaskCanceledException"/>). Waiting through the task counts as joining: the
    /// coroutine's fault is observed and not reported as unobserved.</para>
    /// <para>Safe from any thread. On the loop's thread the task joins the coroutine at once; from another thread
    /// the join goes through the inbox, unless the coroutine is already seen to have ended. Either way the task
    /// completes only while some thread drives the loop (or disposes it, which cancels the coroutines still
    /// alive). Continuations never run inline on the loop thread: they run on the thread pool, or are posted to
    /// the context they captured (the loop's own, inside an async method running on the loop, where they run in
    /// phase (a) of the round after the coroutine ended).</para>
    /// <para>Each call creates a new task.</para>
    /// </remarks>
    /// <param name="coroutine">The coroutine to wait for.</param>
    /// <returns>A task for the coroutine's end.</returns>
    /// <exception cref="ArgumentNullException">The coroutine is null.</exception>
    /// <exception cref="ObjectDisposedException">Called from another thread while the coroutine's loop is being disposed and the coroutine has not ended yet.</exception>
    public static Task AsTask(this Coroutine coroutine)
    {
        ArgumentNullException.ThrowIfNull(coroutine);
        return CoroutineTaskSource<object?>.Create(coroutine, typed: false);
    }

    /// <summary>Gets an awaiter, so that async code can <c>await</c> the coroutine; see <see cref="AsTask(Coroutine)"/>.</summary>
    /// <param name="coroutine">The coroutine to wait for.</param>
    /// <returns>The awaiter of <c>coroutine.AsTask()</c>.</returns>
    /// <exception cref="ArgumentNullException">The coroutine is null.</exception>
    public static TaskAwaiter GetAwaiter(this Coroutine coroutine) => coroutine.AsTask().GetAwaiter();

    /// <summary>Creates a task that completes with the coroutine's value when it ends; see <see cref="AsTask(Coroutine)"/>.</summary>
    /// <typeparam name="T">The type of the coroutine's value.</typeparam>
    /// <param name="coroutine">The coroutine to wait for.</param>
    /// <returns>A task for the coroutine's value.</returns>
    /// <exception cref="ArgumentNullException">The coroutine is null.</exception>
    /// <exception cref="ObjectDisposedException">Called from another thread while the coroutine's loop is being disposed and the coroutine has not ended yet.</exception>
    public static Task<T> AsTask<T>(this Coroutine<T> coroutine)
    {
        ArgumentNullException.ThrowIfNull(coroutine);
        return CoroutineTaskSource<T>.Create(coroutine, typed: true);
    }

    /// <summary>Gets an awaiter, so that <c>await coroutine</c> returns the coroutine's value.</summary>
    /// <typeparam name="T">The type of the coroutine's value.</typeparam>
    /// <param name="coroutine">The coroutine to wait for.</param>
    /// <returns>The awaiter of <c>coroutine.AsTask()</c>.</returns>
    /// <exception cref="ArgumentNullException">The coroutine is null.</exception>
    public static TaskAwaiter<T> GetAwaiter<T>(this Coroutine<T> coroutine) => coroutine.AsTask().GetAwaiter();
}
