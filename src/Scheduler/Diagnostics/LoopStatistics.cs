using System.Globalization;

namespace Scheduler;

/// <summary>
/// Counts that describe an <see cref="EventLoop"/> at one moment: where its live coroutines are, and how much it
/// has done. Returned by <see cref="EventLoop.GetStatistics"/> and <see cref="LoopSnapshot.Statistics"/>.
/// </summary>
/// <remarks>
/// Every live coroutine is counted in exactly one of <see cref="Ready"/>, <see cref="Running"/>,
/// <see cref="Waiting"/> and <see cref="Sleeping"/>, so they add up to <see cref="Live"/>.
/// </remarks>
public readonly record struct LoopStatistics
{
    /// <summary>Gets how many coroutines have started and not ended.</summary>
    public int Live { get; init; }

    /// <summary>Gets how many live coroutines are in the ready queue: they step in this round or the next.</summary>
    public int Ready { get; init; }

    /// <summary>Gets how many coroutines are running a step: 1 when read from inside a step, else 0.</summary>
    public int Running { get; init; }

    /// <summary>Gets how many coroutines are parked on something other than time: a join, a signal, a channel, a task, a predicate, several waits at once.</summary>
    public int Waiting { get; init; }

    /// <summary>Gets how many coroutines are parked on time alone: <see cref="Wait.For"/> (a timer) or <see cref="Wait.Ticks"/> of 2 or more rounds.</summary>
    public int Sleeping { get; init; }

    /// <summary>Gets how many steps the loop has run (<see cref="EventLoop.StepCount"/>).</summary>
    public long Steps { get; init; }

    /// <summary>Gets how many rounds have started (<see cref="EventLoop.TickCount"/>).</summary>
    public long Rounds { get; init; }

    /// <summary>Gets how many coroutines have ended faulted, observed or not (<see cref="EventLoop.FaultCount"/>).</summary>
    public long Faults { get; init; }

    /// <summary>Describes the counts in one line, as the first line of a dump shows them.</summary>
    /// <returns>For example <c>6 live (1 ready, 0 running, 3 waiting, 2 sleeping), 17 steps, 4 rounds, 0 faults</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Live} live ({Ready} ready, {Running} running, {Waiting} waiting, {Sleeping} sleeping), {Steps} steps, {Rounds} rounds, {Faults} faults");
}
