using System.Collections;

namespace Scheduler;

/// <summary>
/// Helpers for routines that hand back a value: the C# form of Python's <c>return x</c> inside a generator
/// and of <c>x = yield from child()</c>.
/// </summary>
/// <example>
/// <code>
/// IEnumerator Add(int a, int b)
/// {
///     yield return Wait.NextTick;
///     yield return Routine.Return(a + b);     // ends Add with a value; its finally blocks run
/// }
///
/// IEnumerator Parent()
/// {
///     var sum = Routine.Call&lt;int&gt;(Add(2, 3));
///     yield return sum;                        // runs Add inside this coroutine, like yield from
///     Console.WriteLine(sum.Result);           // 5
/// }
/// </code>
/// </example>
public static partial class Routine
{
    /// <summary>Creates the value a routine yields to end with <paramref name="value"/>.</summary>
    /// <remarks>
    /// Yielding it ends the routine in the same step: the loop disposes the routine (running its
    /// <c>finally</c> blocks) and hands <paramref name="value"/> to whoever reads it: the
    /// <see cref="RoutineCall{T}"/> that delegated to the routine, or, for a spawned routine, its
    /// <see cref="Coroutine.Result"/> (typed through <see cref="Coroutine{T}.Result"/>). Each call allocates one
    /// small object.
    /// </remarks>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="value">The value the routine ends with.</param>
    /// <returns>A wait condition to <c>yield return</c>; it cannot be combined in <see cref="Wait.All"/> or <see cref="Wait.Any"/>.</returns>
    public static WaitCondition Return<T>(T value) => new ReturnValue<T>(value);

    /// <summary>Creates a delegation to <paramref name="routine"/> that keeps the value it returns.</summary>
    /// <remarks>
    /// Yielding the call runs <paramref name="routine"/> inside the yielding coroutine, exactly like
    /// <c>yield return routine</c> (same step, no extra round); when the routine ends,
    /// <see cref="RoutineCall{T}.Result"/> holds its value. A routine that ends without
    /// <see cref="Return{T}(T)"/>, or returns a value that is not a <typeparamref name="T"/>, faults the coroutine
    /// with an <see cref="InvalidOperationException"/> that names it.
    /// </remarks>
    /// <typeparam name="T">The type of value the routine returns.</typeparam>
    /// <param name="routine">The routine to run; it must not be running anywhere else.</param>
    /// <returns>A call to <c>yield return</c> once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="routine"/> is null.</exception>
    public static RoutineCall<T> Call<T>(IEnumerator routine) => new(routine);
}
