using System.Collections;

namespace Scheduler.Testing;

/// <summary>
/// The events of a loop test, in the order they happened: one <see cref="TraceEntry"/> per step outcome and per
/// <see cref="LoopTest.Log"/> line, each with its round and task. Compare it with an expected trace with
/// <see cref="ShouldBe"/>, which fails with a line diff.
/// </summary>
/// <remarks>
/// <see cref="LoopTest.Trace"/> is the live trace: it grows as the loop runs. <see cref="OnlyLogs"/>,
/// <see cref="ForTask"/> and <see cref="Filter"/> return snapshots. Loop thread only, like the loop.
/// </remarks>
public sealed class LoopTrace : IReadOnlyList<TraceEntry>
{
    private readonly List<TraceEntry> _entries;

    internal LoopTrace()
    {
        _entries = [];
    }

    private LoopTrace(List<TraceEntry> entries)
    {
        _entries = entries;
    }

    /// <summary>Gets how many entries the trace holds.</summary>
    public int Count => _entries.Count;

    /// <summary>Gets the entry at <paramref name="index"/>, oldest first.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public TraceEntry this[int index] => _entries[index];

    /// <summary>Returns a snapshot holding only the lines written with <see cref="LoopTest.Log"/>.</summary>
    /// <returns>A new trace; later events are not added to it.</returns>
    public LoopTrace OnlyLogs() => Filter(static e => e.Kind == TraceEventKind.Log);

    /// <summary>Returns a snapshot holding only the entries of the task named <paramref name="task"/>.</summary>
    /// <param name="task">A coroutine's name, <c>#</c> and its id, or <c>test</c>.</param>
    /// <returns>A new trace; later events are not added to it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is null.</exception>
    public LoopTrace ForTask(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Filter(e => e.Task == task);
    }

    /// <summary>Returns a snapshot holding the entries that match <paramref name="predicate"/>.</summary>
    /// <param name="predicate">Which entries to keep.</param>
    /// <returns>A new trace; later events are not added to it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is null.</exception>
    public LoopTrace Filter(Func<TraceEntry, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new LoopTrace(_entries.Where(predicate).ToList());
    }

    /// <summary>Removes every entry, so that a test can compare only what happens from here on.</summary>
    public void Clear() => _entries.Clear();

    /// <summary>Returns the trace as lines, one per entry (see <see cref="TraceEntry.ToString"/>).</summary>
    /// <returns>A new array.</returns>
    public string[] ToLines() => _entries.Select(static e => e.ToString().TrimEnd()).ToArray();

    /// <summary>Returns the trace as text: one line per entry, separated by <c>\n</c>.</summary>
    /// <returns>The lines joined; empty for an empty trace.</returns>
    public override string ToString() => string.Join('\n', ToLines());

    /// <summary>Checks that the trace equals <paramref name="expected"/>, line by line.</summary>
    /// <remarks>
    /// Each expected line is trimmed and blank lines are ignored, so a raw string literal can be indented and
    /// split into groups (one per round, say). Lines are compared exactly otherwise. On a mismatch the message
    /// shows a diff (<c>-</c> expected only, <c>+</c> actual only, three lines of context) and then the whole
    /// actual trace, ready to paste when the new behaviour is the right one.
    /// </remarks>
    /// <param name="expected">The expected lines, for example <c>1 producer: yield</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="expected"/> is null.</exception>
    /// <exception cref="LoopTestException">The trace differs; the message holds the diff.</exception>
    public void ShouldBe(string expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (TraceDiff.Describe(TraceDiff.NormalizeExpected(expected), ToLines()) is { } difference)
        {
            throw new LoopTestException(difference);
        }
    }

    /// <inheritdoc/>
    public IEnumerator<TraceEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Add(TraceEntry entry) => _entries.Add(entry);

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    internal string Tail(int count)
    {
        if (_entries.Count == 0)
        {
            return "(the trace is empty)";
        }

        int skip = Math.Max(0, _entries.Count - count);
        string lines = string.Join('\n', _entries.Skip(skip).Select(static e => e.ToString()));
        return skip > 0 ? $"... {skip} earlier\n{lines}" : lines;
    }
}
