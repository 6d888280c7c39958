using System.Collections;

namespace Scheduler;

/// <summary>
/// A delegation that keeps its routine's return value: <c>var call = Routine.Call&lt;T&gt;(Child()); yield return
/// call; use(call.Result);</c>. See <see cref="Routine.Call{T}(IEnumerator)"/>.
/// </summary>
/// <typeparam name="T">The type of value the routine returns.</typeparam>
public sealed class RoutineCall<T> : WaitCondition, IResultSink
{
    private readonly IEnumerator _routine;
    private T _result = default!;
    private bool _started;

    internal RoutineCall(IEnumerator routine)
    {
        ArgumentNullException.ThrowIfNull(routine);
        _routine = routine;
    }

    /// <summary>Gets whether the routine has ended with a value.</summary>
    public bool HasResult { get; private set; }

    /// <summary>Gets the value the routine returned.</summary>
    /// <exception cref="InvalidOperationException">The routine has not returned yet.</exception>
    public T Result => HasResult
        ? _result
        : throw new InvalidOperationException(
            $"{EventLoop.DescribeRoutine(_routine)} has not returned a value yet; read Result after 'yield return' of the call.");

    internal override bool IsComposable => false;

    internal override bool Apply(EventLoop loop, Coroutine coroutine)
    {
        if (_started)
        {
            throw new InvalidOperationException(
                $"A RoutineCall of {EventLoop.DescribeRoutine(_routine)} was yielded twice; create one call per delegation.");
        }

        _started = true;
        loop.PushFrame(coroutine, _routine, this);
        return false;
    }

    internal override void Park(EventLoop loop, IWaiter waiter) =>
        throw new InvalidOperationException("A RoutineCall runs inside its coroutine and cannot be parked on.");

    void IResultSink.Receive(IEnumerator routine, ReturnValue? returned)
    {
        if (returned is null)
        {
            throw new InvalidOperationException(
                $"{EventLoop.DescribeRoutine(routine)} ended without a value, but its caller expects a value of type {typeof(T).Name}: " +
                "end it with 'yield return Routine.Return(value)'.");
        }

        if (!ReturnValue.TryRead(returned, out _result))
        {
            throw new InvalidOperationException(
                $"{EventLoop.DescribeRoutine(routine)} returned a value of type {returned.ValueType.Name}, but its caller expects {typeof(T).Name}.");
        }

        HasResult = true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"call {EventLoop.DescribeRoutine(_routine)}";
}
