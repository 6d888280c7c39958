namespace Scheduler;

/// <summary>
/// Records the steps and waits of an <see cref="EventLoop"/>'s coroutines while it runs, in a bounded ring
/// buffer, and writes them as a Chrome trace that Perfetto (<c>ui.perfetto.dev</c>) and <c>chrome://tracing</c>
/// show as a timeline with one track per coroutine. Created by <see cref="EventLoop.StartTimeline"/>.
/// </summary>
/// <remarks>
/// <para>Dispose the recorder to stop recording; the events recorded so far stay and can still be written.
/// <see cref="Dispose"/>, <see cref="WriteChromeTrace"/> and the properties are safe from any thread (a write
/// during recording sees the events up to the last step that ended).</para>
/// <para>Memory is bounded: at most <see cref="Capacity"/> events are kept; beyond that the oldest are dropped
/// and counted in <see cref="DroppedCount"/>. The recorder also keeps one small entry per live coroutine it has
/// seen step.</para>
/// </remarks>
/// <example>
/// <code>
/// using (TimelineRecorder timeline = loop.StartTimeline())
/// {
///     loop.RunUntilIdle();
///     using FileStream file = File.Create("trace.json");
///     timeline.WriteChromeTrace(file);   // open it in ui.perfetto.dev
/// }
/// </code>
/// </example>
public sealed class TimelineRecorder : IDisposable
{
    /// <summary>The capacity <see cref="EventLoop.StartTimeline"/> uses unless told otherwise: 65,536 events.</summary>
    public const int DefaultCapacity = 65_536;

    private readonly EventLoop _loop;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly TimelineObserver _observer;
    private readonly int _capacity;

    // The ring: grows by doubling up to the capacity, then overwrites the oldest event.
    private TimelineEvent[] _events;
    private int _head;
    private int _count;
    private long _dropped;
    private long _stoppedAt;
    private volatile bool _recording = true;

    internal TimelineRecorder(EventLoop loop, int capacity, TimeProvider time)
    {
        _loop = loop;
        _capacity = capacity;
        _events = new TimelineEvent[Math.Min(16, capacity)];
        _time = time;
        _origin = time.GetTimestamp();
        _observer = new TimelineObserver(this, loop);
        loop.AddObserver(_observer);
    }

    /// <summary>Gets the most events the recorder keeps.</summary>
    public int Capacity => _capacity;

    /// <summary>Gets how many events the recorder holds now.</summary>
    public int Count
    {
        get
        {
            lock (Gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Gets how many of the oldest events were dropped because the buffer was full.</summary>
    public long DroppedCount
    {
        get
        {
            lock (Gate)
            {
                return _dropped;
            }
        }
    }

    /// <summary>Gets whether the recorder is still recording (it has not been disposed).</summary>
    public bool IsRecording => _recording;

    /// <summary>Guards the ring and the observer's state: the loop thread records while any thread may write.</summary>
    internal Lock Gate { get; } = new();

    internal long Now => _time.GetTimestamp();

    /// <summary>Writes the recorded events to <paramref name="stream"/> in the Chrome trace-event JSON format.</summary>
    /// <remarks>
    /// <para>The file holds one object, <c>{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}</c>:
    /// a <c>process_name</c> event naming the loop, a <c>thread_name</c> event per coroutine (its track, named
    /// like <c>worker-1 #2</c>, or <c>#3 Sleeper</c> without a name), and a complete (<c>"ph": "X"</c>) event per
    /// step (category <c>step</c>, named by its routine, with its round, its step number and what it ended in as
    /// arguments) and per wait (category <c>wait</c>, named by what it waited on). Times are microseconds since
    /// the recorder started; the thread id is the coroutine's id. Waits still open are written as ending now (or
    /// when recording stopped), with <c>"open": true</c>. <c>otherData</c> holds the loop's name and the count of
    /// dropped events.</para>
    /// <para>The stream is left open. Safe from any thread.</para>
    /// </remarks>
    /// <param name="stream">Where to write; UTF-8 JSON.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void WriteChromeTrace(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (Gate)
        {
            long end = _recording ? Now : _stoppedAt;
            var events = new List<TimelineEvent>(_count);
            for (int i = 0; i < _count; i++)
            {
                events.Add(_events[(_head + i) % _events.Length]);
            }

            List<TimelineEvent> open = [.. _observer.OpenWaits(end)];
            open.Sort(static (a, b) => a.CoroutineId.CompareTo(b.CoroutineId));
            ChromeTraceWriter.Write(stream, _loop.Name, events, open, ToMicroseconds, _dropped);
        }
    }

    /// <summary>Stops recording. The events recorded so far stay, and can still be written. Calling it again does nothing.</summary>
    /// <remarks>Safe from any thread: from another thread the recorder stops at once, and is unhooked from the loop at its next round.</remarks>
    public void Dispose()
    {
        lock (Gate)
        {
            if (!_recording)
            {
                return;
            }

            _recording = false;
            _stoppedAt = Now;
        }

        if (_loop.IsLoopThread)
        {
            _loop.RemoveObserver(_observer);
            return;
        }

        try
        {
            _loop.Post(() => _loop.RemoveObserver(_observer));
        }
        catch (ObjectDisposedException)
        {
            // The loop is gone: nothing steps any more, so nothing calls the observer.
        }
    }

    /// <summary>Appends an event, dropping the oldest when full. Called under <see cref="Gate"/>.</summary>
    internal void Add(in TimelineEvent item)
    {
        if (_count == _events.Length && _events.Length < _capacity)
        {
            var larger = new TimelineEvent[Math.Min(_capacity, _events.Length * 2)];
            for (int i = 0; i < _count; i++)
            {
                larger[i] = _events[(_head + i) % _events.Length];
            }

            _events = larger;
            _head = 0;
        }

        if (_count == _events.Length)
        {
            _events[_head] = item; // full at capacity: the oldest goes
            _head = (_head + 1) % _events.Length;
            _dropped++;
            return;
        }

        _events[(_head + _count) % _events.Length] = item;
        _count++;
    }

    private double ToMicroseconds(long timestamp) => _time.GetElapsedTime(_origin, timestamp).Ticks / 10.0;
}
