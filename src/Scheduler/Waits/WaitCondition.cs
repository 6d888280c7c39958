namespace Scheduler;

/// <summary>
/// Something a coroutine yields to suspend until it holds: create one through <see cref="Wait"/>, yield a
/// <see cref="Coroutine"/> to join it, or combine several with <see cref="Wait.All"/> and <see cref="Wait.Any"/>.
/// </summary>
/// <remarks>
/// Yielding a wait always ends the step, even when the wait already holds: the coroutine runs again no earlier
/// than the next round. Wait conditions are immutable (except the record an <see cref="AnyWait"/> keeps of what
/// fired), so one instance may be yielded again and again, and by many coroutines; the state of a wait in
/// progress lives in the waiting coroutine. Only the library derives from this class.
/// </remarks>
public abstract class WaitCondition
{
    private protected WaitCondition()
    {
    }

    /// <summary>Whether the wait may be a child of <see cref="Wait.All"/> or <see cref="Wait.Any"/>.</summary>
    internal virtual bool IsComposable => true;

    /// <summary>
    /// Called on the loop thread when <paramref name="coroutine"/> yields this condition. Returns true when the
    /// step ends (the coroutine is parked or queued), false when the coroutine goes on in the same step
    /// (delegation, a return to a parent frame).
    /// </summary>
    internal virtual bool Apply(EventLoop loop, Coroutine coroutine)
    {
        coroutine._state = CoroutineState.Waiting;
        Park(loop, coroutine);
        return true;
    }

    /// <summary>
    /// Registers <paramref name="waiter"/> with whatever source fires this condition, or wakes it at once
    /// (<see cref="IWaiter.Wake"/>) when the condition already holds. A waker never runs the waiter's code inline:
    /// a coroutine woken here is only queued.
    /// </summary>
    internal abstract void Park(EventLoop loop, IWaiter waiter);
}
