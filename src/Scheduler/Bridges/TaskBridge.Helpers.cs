using System.Collections;

namespace Scheduler;

/// <summary>
/// The bridges between coroutines and .NET tasks: <c>coroutine.AsTask()</c> and <c>await coroutine</c> (async
/// code waits for a coroutine) are here; <c>Wait.ForTask</c> and <c>Wait.Offload</c> (a coroutine waits for a
/// task) are on <see cref="Wait"/>, and <c>Routine.FromTask</c> (an <c>async</c> method runs as a coroutine) on
/// <see cref="Routine"/>.
/// </summary>
/// <remarks>
/// <para>A coroutine may also <c>yield return</c> a <see cref="Task"/> or <see cref="Task{TResult}"/> directly:
/// it is the same as yielding <c>Wait.ForTask(task)</c>.</para>
/// <para>The other direction, <c>async</c> methods on the loop, needs no member: while a driver runs, the loop's
/// <see cref="EventLoop.SynchronizationContext"/> is current on its thread, so an <c>await</c> in an async method
/// started there resumes on the loop thread.</para>
/// </remarks>
/// <example>
/// <code>
/// IEnumerator Download(HttpClient http)
/// {
///     var page = Wait.ForTask(http.GetStringAsync("https://example.com/"));
///     yield return page;                                  // the loop runs other coroutines meanwhile
///     var words = Wait.Offload(() => CountWords(page.Result));
///     yield return words;                                 // CPU work on the thread pool
///     Console.WriteLine(words.Result);                    // back on the loop thread
/// }
///
/// // From async code, on any thread, while some thread runs the loop:
/// int answer = await loop.Spawn&lt;int&gt;(Compute());
/// </code>
/// </example>
public static partial class TaskBridge
{
    internal static IEnumerator RunTask(Func<Task> start)
    {
        yield return start() ?? throw NullTask(start);
    }

    internal static IEnumerator RunTask<T>(Func<Task<T>> start)
    {
        Task<T> task = start() ?? throw NullTask(start);
        yield return task;
        yield return Routine.Return(task.GetAwaiter().GetResult()); // allowed: completed successfully (else the coroutine would not be here), so it returns at once
    }

    private static InvalidOperationException NullTask(Delegate start) =>
        new($"Routine.FromTask: {start.Method.Name} returned null instead of a task.");
}
