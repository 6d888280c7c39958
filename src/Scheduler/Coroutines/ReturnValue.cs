namespace Scheduler;

/// <summary>
/// What <see cref="Routine.Return{T}(T)"/> yields: the routine ends here with a value. The loop disposes the
/// returning frame (its <c>finally</c> blocks run, as after Python's <c>return</c>) and hands the value to the
/// caller: a <see cref="RoutineCall{T}"/> sink, or the coroutine itself when the frame is its root.
/// </summary>
internal abstract class ReturnValue : WaitCondition
{
    public abstract object? BoxedValue { get; }

    public abstract Type ValueType { get; }

    internal override bool IsComposable => false;

    internal override bool Apply(EventLoop loop, Coroutine coroutine) => loop.ReturnFromFrame(coroutine, this);

    internal override void Park(EventLoop loop, IWaiter waiter) =>
        throw new InvalidOperationException("Routine.Return cannot be parked on; it ends the routine that yields it.");

    /// <summary>Reads <paramref name="returned"/> as a <typeparamref name="T"/>, without boxing when the types match.</summary>
    public static bool TryRead<T>(ReturnValue? returned, out T value)
    {
        switch (returned)
        {
            case ReturnValue<T> exact:
                value = exact.Value;
                return true;
            case { BoxedValue: T converted }:
                value = converted;
                return true;
            case { BoxedValue: null } when default(T) is null:
                value = default!;
                return true;
            default:
                value = default!;
                return false;
        }
    }

    public override string ToString() => $"Routine.Return({BoxedValue ?? "null"})";
}

/// <summary>A typed return value: reading it back as the same type never boxes.</summary>
internal sealed class ReturnValue<T>(T value) : ReturnValue
{
    public T Value { get; } = value;

    public override object? BoxedValue => Value;

    public override Type ValueType => typeof(T);
}
