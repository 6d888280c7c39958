using System.Collections;

namespace Scheduler;

/// <summary>
/// A coroutine whose routine ends with a value of type <typeparamref name="T"/> (through
/// <see cref="Routine.Return{T}(T)"/>). Returned by <see cref="EventLoop.Spawn{T}(IEnumerator, string?)"/>.
/// </summary>
/// <remarks>
/// A routine spawned this way that ends without a value, or with a value that is not a
/// <typeparamref name="T"/>, ends faulted with an <see cref="InvalidOperationException"/> naming it, so a joiner
/// never reads a made-up default.
/// </remarks>
/// <typeparam name="T">The type of the value.</typeparam>
public sealed class Coroutine<T> : Coroutine
{
    internal Coroutine(EventLoop loop, IEnumerator routine, long id, string? name)
        : base(loop, routine, id, name)
    {
    }

    /// <summary>Gets the value the routine returned.</summary>
    /// <exception cref="InvalidOperationException">The coroutine has not completed yet.</exception>
    /// <exception cref="OperationCanceledException">The coroutine was canceled.</exception>
    /// <remarks>When the coroutine faulted, reading the result rethrows its exception, with its original stack trace.</remarks>
    public new T Result
    {
        get
        {
            ThrowUnlessCompleted();
            ReturnValue.TryRead(_extras!.Returned, out T value);
            return value;
        }
    }

    internal override Exception? CheckResult(ReturnValue? returned, IEnumerator root)
    {
        if (returned is null)
        {
            return new InvalidOperationException(
                $"{Describe(root)} ended without a value, but it was spawned as a Coroutine<{typeof(T).Name}>: " +
                "end its routine with 'yield return Routine.Return(value)'.");
        }

        return ReturnValue.TryRead(returned, out T _)
            ? null
            : new InvalidOperationException(
                $"{Describe(root)} returned a value of type {returned.ValueType.Name}, but it was spawned as a Coroutine<{typeof(T).Name}>.");
    }
}
