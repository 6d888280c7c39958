namespace Scheduler;

/// <summary>
/// Something a wait source hands to the waiter it wakes, which the waiter has not taken yet: a semaphore
/// permit, a channel item reserved for a reader. A woken coroutine only runs in a later turn; if it ends before
/// that turn (canceled, or faulted by a join), the loop declines the grant so that the source can pass it to
/// its next waiter. This is what makes "a wake-up lost when a woken waiter is canceled" impossible.
/// </summary>
internal interface IPendingGrant
{
    /// <summary>The coroutine's next turn began normally: the grant is its own now.</summary>
    void Accept(Coroutine coroutine);

    /// <summary>The coroutine ended without running again: pass the grant on.</summary>
    void Decline(EventLoop loop, Coroutine coroutine);
}
