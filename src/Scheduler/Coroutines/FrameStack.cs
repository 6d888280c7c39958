using System.Collections;

namespace Scheduler;

/// <summary>
/// The parent frames of a coroutine that delegates (<c>yield return Child()</c>), kept in an array rather than
/// on the native stack: a chain of 100,000 nested routines costs 100,000 entries here and no recursion, so it
/// runs on any thread stack. The running frame itself is <c>Coroutine._frame</c>; an entry here is a parent
/// waiting for the frame above it to end, and the sink (a <see cref="RoutineCall{T}"/>) that receives that
/// frame's return value.
/// </summary>
internal sealed class FrameStack
{
    private Entry[] _entries = new Entry[4];
    private int _count;

    public int Count => _count;

    public int Capacity => _entries.Length;

    public void Push(IEnumerator parent, IResultSink? sinkOfChild)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count++] = new Entry(parent, sinkOfChild);
    }

    public IEnumerator Pop(out IResultSink? sinkOfChild)
    {
        ref Entry top = ref _entries[--_count];
        IEnumerator parent = top.Parent;
        sinkOfChild = top.SinkOfChild;
        top = default;
        return parent;
    }

    /// <summary>The frame at <paramref name="depth"/>, 0 being the coroutine's root routine.</summary>
    public IEnumerator this[int depth] => _entries[depth].Parent;

    private readonly struct Entry(IEnumerator parent, IResultSink? sinkOfChild)
    {
        public readonly IEnumerator Parent = parent;
        public readonly IResultSink? SinkOfChild = sinkOfChild;
    }
}
