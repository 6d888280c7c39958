namespace Scheduler.Testing;

/// <summary>What kind of event a <see cref="TraceEntry"/> records.</summary>
public enum TraceEventKind
{
    /// <summary>A step ended with <c>yield return null</c>: the coroutine is ready again for the next round.</summary>
    Yield,

    /// <summary>A step ended by yielding a wait (or a coroutine to join); the entry's text names what was yielded.</summary>
    Wait,

    /// <summary>A step ended the coroutine: completed, faulted (with the exception's type and message) or canceled.</summary>
    End,

    /// <summary>A line the test or a routine wrote with <see cref="LoopTest.Log"/>.</summary>
    Log,
}

/// <summary>One line of a <see cref="LoopTrace"/>: in which round, which task, what happened.</summary>
/// <param name="Round">The loop's <see cref="EventLoop.TickCount"/> when it happened: the round under way (0 before the first).</param>
/// <param name="Task">The coroutine's name, <c>#</c> and its id when it has none, or <c>test</c> for a log written outside any step.</param>
/// <param name="Kind">What kind of event it is.</param>
/// <param name="Text">
/// The event as written in the trace: <c>yield</c>; <c>wait</c> and what was yielded (<c>wait Wait.For(00:00:05)</c>,
/// <c>wait join 'worker'</c>); <c>end Completed</c>, <c>end Canceled</c> or <c>end Faulted (ExceptionType: message)</c>;
/// or a logged line as given.
/// </param>
public readonly record struct TraceEntry(long Round, string Task, TraceEventKind Kind, string Text)
{
    /// <summary>Renders the entry as a trace line: <c>2 consumer: wait Wait.For(00:00:01)</c>.</summary>
    /// <returns>The round, the task, a colon and the text.</returns>
    public override string ToString() => $"{Round} {Task}: {Text}";
}
