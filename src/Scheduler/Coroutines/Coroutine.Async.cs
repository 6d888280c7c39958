using System.Collections;
using System.Runtime.CompilerServices;

namespace Scheduler;

// The coroutine's side of the bridges to .NET tasks (see Bridges/): how a Task that represents a coroutine is
// attached to it, and how its final outcome is read from another thread. The public members (AsTask,
// GetAwaiter) are extension members in TaskBridge, so that Coroutine<T> can return Task<T> without hiding.
public partial class Coroutine
{
    /// <summary>Parks <paramref name="waiter"/> with the joiners: it wakes when the coroutine ends. Loop thread only.</summary>
    /// <remarks>
    /// Unlike a join (<see cref="Park"/>), the coroutine itself may do this: a task that represents a coroutine
    /// does not make it wait for itself. Having such a waiter when the coroutine faults counts as observing the
    /// fault, since the task hands it on.
    /// </remarks>
    internal void AttachCompletionWaiter(IWaiter waiter) => (LoopExtras.Joiners ??= _loop.RentWaiterList()).Add(waiter);

    /// <summary>
    /// Reads the coroutine's outcome from any thread, if it has ended and the outcome is visible to this thread.
    /// </summary>
    /// <remarks>
    /// The loop thread publishes the state, exception and result with plain writes; another thread that sees an
    /// ended state may not see the rest yet. An outcome that is not fully visible (a fault without its exception,
    /// a typed completion without its value) reads as "not ended", and the caller falls back to the inbox.
    /// Ended states are final and extras holding an exception or a value are never recycled, so what is read
    /// here is never stale.
    /// </remarks>
    internal bool TryReadOutcome(bool needsValue, out CoroutineState state, out Exception? exception, out ReturnValue? value)
    {
        state = (CoroutineState)Volatile.Read(ref Unsafe.As<CoroutineState, byte>(ref _state));
        exception = null;
        value = null;
        if (state < CoroutineState.Completed)
        {
            return false;
        }

        CoroutineExtras? extras = Volatile.Read(ref _extras);
        switch (state)
        {
            case CoroutineState.Faulted:
                exception = extras?.Exception;
                return exception is not null;
            case CoroutineState.Completed when needsValue:
                value = extras?.Returned;
                return value is not null;
            default:
                return true;
        }
    }

    /// <summary>
    /// Creates the stand-in that a waiter "joins" when the .NET task it waited for was canceled: waking a waiter
    /// with a canceled coroutine as the joined one makes it inherit the cancellation, directly or through
    /// <c>Wait.All</c>/<c>Wait.Any</c>. Never started, never queued, never listed among the live coroutines.
    /// </summary>
    internal static Coroutine CreateCanceledTaskMarker(EventLoop loop) =>
        new(loop, ((IEnumerable)Array.Empty<object>()).GetEnumerator(), id: 0, name: "a canceled .NET task")
        {
            _frame = null,
            _state = CoroutineState.Canceled,
        };
}
