namespace Scheduler;

/// <summary>
/// Something a wait source can hold and wake: a <see cref="Coroutine"/> parked directly, or one branch of an
/// <c>All</c>/<c>Any</c>. The source records where it keeps the waiter (<see cref="Slot"/>) so that removal on
/// cancel is immediate: no canceled waiter or timer is ever left behind in a source.
/// </summary>
internal interface IWaiter
{
    /// <summary>Which source holds the waiter, or <see cref="ParkKind.None"/>.</summary>
    ParkKind ParkKind { get; set; }

    /// <summary>The waiter's index inside that source; sources keep it current as entries move.</summary>
    int Slot { get; set; }

    /// <summary>The source object for <see cref="ParkKind.List"/> and <see cref="ParkKind.Composite"/>.</summary>
    object? ParkedOn { get; set; }

    /// <summary>
    /// Called by the source after it has removed the waiter. <paramref name="joined"/> is the coroutine whose
    /// end caused the wake (a join), whose fault or cancellation the waiter may inherit; <paramref name="error"/>
    /// is a fault raised by the wait itself (a predicate that threw).
    /// </summary>
    void Wake(EventLoop loop, Coroutine? joined, Exception? error);

    /// <summary>
    /// Called by a source after it has removed the waiter, handing it <paramref name="grant"/> (see
    /// <see cref="IPendingGrant"/>): the waiter's coroutine accepts it when it next runs, or declines it if it
    /// ends first.
    /// </summary>
    void WakeWithGrant(EventLoop loop, IPendingGrant grant);
}
