namespace Scheduler;

/// <summary>What a timeline event records: a step of a coroutine, or a stretch of time it spent parked.</summary>
internal enum TimelineEventKind : byte
{
    /// <summary>One step: from its start to its end.</summary>
    Step,

    /// <summary>A wait: from the end of the step that parked to the start of the coroutine's next step.</summary>
    Wait,
}

/// <summary>
/// One event of a <see cref="TimelineRecorder"/>: which coroutine (its id and the name of its track), what
/// (the routine that stepped, or what it waited on), and when (timestamps of the recorder's clock).
/// </summary>
/// <param name="Kind">A step or a wait.</param>
/// <param name="CoroutineId">The coroutine's id: its track in the trace.</param>
/// <param name="Track">The track's name, for example <c>worker-1 #2</c>.</param>
/// <param name="Name">For a step, the routine that ran (the innermost frame when it began); for a wait, what it waited on.</param>
/// <param name="Start">When it began (a timestamp of the recorder's <see cref="TimeProvider"/>).</param>
/// <param name="End">When it ended.</param>
/// <param name="Round">The round the step ran in, or the round the wait began in.</param>
/// <param name="Step">For a step, its number among the coroutine's steps (1 for the first); 0 for a wait.</param>
/// <param name="Outcome">For a step, what it ended in: <c>ready</c>, a wait, <c>completed</c>, <c>faulted (...)</c>, <c>canceled</c>.</param>
internal readonly record struct TimelineEvent(
    TimelineEventKind Kind,
    long CoroutineId,
    string Track,
    string Name,
    long Start,
    long End,
    long Round,
    long Step,
    string? Outcome);
