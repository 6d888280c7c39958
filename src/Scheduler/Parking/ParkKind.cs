namespace Scheduler;

/// <summary>Which wait source holds a parked waiter, so that cancel can unlink it in O(1) or O(log n).</summary>
internal enum ParkKind : byte
{
    /// <summary>Not parked.</summary>
    None,

    /// <summary>In the loop's time heap; the slot is its heap index.</summary>
    Timer,

    /// <summary>In the loop's round heap (<c>Wait.Ticks(n)</c>, n &gt;= 2); the slot is its heap index.</summary>
    Round,

    /// <summary>In the loop's predicate list; the slot is its index there.</summary>
    Predicate,

    /// <summary>In a <see cref="WaiterList"/> (the joiners of a coroutine); <c>ParkedOn</c> is that list.</summary>
    List,

    /// <summary>Parked on an <c>All</c>/<c>Any</c>; <c>ParkedOn</c> is the <see cref="CompositeWaiter"/>.</summary>
    Composite,

    /// <summary>Parked on a wait that never fires (an infinite delay); only cancel ends it.</summary>
    Forever,

    /// <summary>
    /// Waiting for a completion that another thread reports through the inbox (a .NET task, socket I/O); the
    /// slot is the registration's ticket, so a completion that arrives after a cancel is recognised as stale.
    /// </summary>
    External,
}
