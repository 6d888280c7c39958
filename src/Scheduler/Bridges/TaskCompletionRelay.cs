namespace Scheduler;

/// <summary>
/// One registration of a waiter on a .NET task: the task's continuation, which may run on any thread, hands the
/// completion to the loop and runs no user code. Off the loop thread it goes through the inbox
/// (<see cref="EventLoop.PostCompletion"/>), so the waiter wakes in phase (a) of the next round; on a thread
/// that is running a driver of this loop (the task was completed by code on the loop) it wakes the waiter at
/// once, which only queues it.
/// </summary>
/// <remarks>
/// The relay is what <see cref="EventLoop.PostCompletion"/> is given: its <see cref="IWaiter"/> members forward to
/// the parked waiter, so the loop's stale-ticket check applies to the waiter itself (a waiter canceled, or parked
/// again, since it registered is left alone), and its <c>Wake</c> reads the outcome from the task on the
/// loop thread.
/// </remarks>
internal sealed class TaskCompletionRelay(EventLoop loop, IWaiter waiter, int ticket, Task task) : IWaiter
{
    ParkKind IWaiter.ParkKind
    {
        get => waiter.ParkKind;
        set => waiter.ParkKind = value;
    }

    int IWaiter.Slot
    {
        get => waiter.Slot;
        set => waiter.Slot = value;
    }

    object? IWaiter.ParkedOn
    {
        get => waiter.ParkedOn;
        set => waiter.ParkedOn = value;
    }

    /// <summary>The task's continuation: runs on whatever thread completed the task.</summary>
    public void OnTaskCompleted()
    {
        // Only a thread that runs a driver may touch the loop here: the loop's home thread, when no driver runs,
        // can be any thread (even a pool thread that happens to complete tasks), and another thread may be about
        // to enter a driver.
        if (loop.IsDrivingThread)
        {
            if (waiter.ParkKind == ParkKind.External && waiter.Slot == ticket)
            {
                waiter.ParkKind = ParkKind.None;
                TaskWait.WakeWithOutcome(loop, waiter, task);
            }

            return;
        }

        loop.PostCompletion(this, ticket, error: null);
    }

    void IWaiter.Wake(EventLoop eventLoop, Coroutine? joined, Exception? error) => TaskWait.WakeWithOutcome(eventLoop, waiter, task);

    void IWaiter.WakeWithGrant(EventLoop eventLoop, IPendingGrant grant) =>
        throw new InvalidOperationException("A task registration is woken by its completion only; it never receives a grant.");
}
