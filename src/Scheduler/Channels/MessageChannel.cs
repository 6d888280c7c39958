using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Scheduler;

/// <summary>
/// A FIFO queue of items between coroutines of one <see cref="EventLoop"/>, unbounded or bounded: readers wait
/// for items, and writers to a full bounded channel wait for room (backpressure). Not to be confused with
/// <see cref="Channel{T}"/>, which connects threads.
/// </summary>
/// <typeparam name="T">The type of the items.</typeparam>
/// <remarks>
/// <para><b>Reading.</b> <see cref="Read"/> creates a <see cref="ReadWait{T}"/>; each time a coroutine yields it,
/// the coroutine receives the next item (<see cref="ReadWait{T}.Value"/>) when it resumes. Create one per
/// coroutine and yield it again for every item: reading then allocates nothing. Readers are served in the order
/// they started waiting, and the item a waiting reader is handed is its own: <see cref="TryRead"/> cannot take
/// it. <see cref="TryRead"/> takes a buffered item without waiting.</para>
/// <para><b>Writing.</b> <see cref="TryWrite"/> writes without waiting; <see cref="Write"/> returns a wait
/// that writes, waiting behind earlier writers while a bounded channel is full.</para>
/// <para><b>Completion.</b> <see cref="Complete"/> ends writing: items already written stay readable, and once
/// they are all taken every read reports completion (or, after <c>Complete(error)</c>, faults the reader with
/// that error). Writes after completion fail with <see cref="ChannelClosedException"/>.</para>
/// <para><b>Threads.</b> Every member belongs to the loop's thread and throws
/// <see cref="InvalidOperationException"/> elsewhere. To hand values in from other threads, use
/// <see cref="Mailbox{T}"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var jobs = new MessageChannel&lt;int&gt;(loop, capacity: 2);
/// loop.Spawn(Produce(jobs));
/// loop.Spawn(Consume(jobs));
///
/// IEnumerator Produce(MessageChannel&lt;int&gt; jobs)
/// {
///     for (int i = 1; i &lt;= 5; i++)
///     {
///         yield return jobs.Write(i);          // waits while two jobs are queued
///     }
///
///     jobs.Complete();
/// }
///
/// IEnumerator Consume(MessageChannel&lt;int&gt; jobs)
/// {
///     ReadWait&lt;int&gt; read = jobs.Read();      // one read wait, yielded for every item
///     while (true)
///     {
///         yield return read;
///         if (!read.HasValue)
///         {
///             yield break;                      // completed, and every job was taken
///         }
///
///         Console.WriteLine(read.Value);
///     }
/// }
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}: {_buffer.Count} buffered, {_inFlight} handed to readers, completed: {_completed}")]
public sealed partial class MessageChannel<T> : IChannelDiagnostics
{
    private readonly EventLoop _loop;
    private readonly int _capacity; // int.MaxValue when unbounded
    private readonly string? _name;
    private readonly string _kind; // "channel", or "mailbox" for the channel inside a Mailbox<T>
    private readonly ItemQueue<T> _buffer = new();
    private readonly WaiterList _readers;
    private readonly WaiterList _writers;

    // Write waits of writers that waited and have resumed, for reuse (see WriteWait). At most one per writer that
    // can be waiting at once, and never more than SpareWriteLimit, so one burst of writers is not kept forever.
    private const int SpareWriteLimit = 64;
    private readonly Stack<WriteWait<T>> _spareWrites = new();
    private int _inFlight; // items handed to a waiting reader that has not taken them yet
    private bool _completed;
    private Exception? _error;

    /// <summary>Creates an unbounded channel on <paramref name="loop"/>: writes never wait.</summary>
    /// <param name="loop">The loop whose coroutines use the channel.</param>
    /// <param name="name">A name for task dumps, logs and messages (<c>reading channel 'orders'</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    public MessageChannel(EventLoop loop, string? name = null)
        : this(loop ?? throw new ArgumentNullException(nameof(loop)), int.MaxValue, name, "channel")
    {
    }

    /// <summary>Creates a bounded channel on <paramref name="loop"/> that holds at most <paramref name="capacity"/> items.</summary>
    /// <remarks>
    /// The capacity counts every item written and not yet taken by a reader, including an item already handed to
    /// a waiting reader that has not run yet. While the channel is full, <see cref="TryWrite"/> returns false and
    /// <see cref="Write"/> waits.
    /// </remarks>
    /// <param name="loop">The loop whose coroutines use the channel.</param>
    /// <param name="capacity">The most items the channel holds; at least 1.</param>
    /// <param name="name">A name for task dumps, logs and messages (<c>writing channel 'orders' (full, 8/8)</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    public MessageChannel(EventLoop loop, int capacity, string? name = null)
        : this(loop ?? throw new ArgumentNullException(nameof(loop)), ValidCapacity(capacity), name, "channel")
    {
    }

    /// <summary>The channel of a <see cref="Mailbox{T}"/>: unbounded, described as a mailbox.</summary>
    internal MessageChannel(EventLoop loop, int capacity, string? name, string kind)
    {
        _loop = loop;
        _capacity = capacity;
        _name = name;
        _kind = kind;
        _readers = new WaiterList(this);
        _writers = new WaiterList(this);
        loop.RegisterChannel(this); // weakly: for the snapshot's channel list and the leftovers report at Dispose
    }

    /// <summary>Gets the loop whose coroutines use the channel.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the name given at creation, or null.</summary>
    public string? Name => _name;

    /// <summary>Gets the most items the channel holds, or null when it is unbounded.</summary>
    public int? Capacity => _capacity == int.MaxValue ? null : _capacity;

    /// <summary>Gets how many items are buffered: what <see cref="TryRead"/> can take now.</summary>
    /// <remarks>Items already handed to a waiting reader are not counted: they are no longer readable by others.</remarks>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public int Count
    {
        get
        {
            CheckLoopThread();
            return _buffer.Count;
        }
    }

    /// <summary>Gets whether <see cref="Complete"/> has been called: no more items can be written.</summary>
    /// <remarks>Items written before may still be buffered and readable; see <see cref="IsDrained"/>.</remarks>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public bool IsCompleted
    {
        get
        {
            CheckLoopThread();
            return _completed;
        }
    }

    /// <summary>Gets whether the channel is completed and every item written has been taken: every read from now on reports completion.</summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public bool IsDrained
    {
        get
        {
            CheckLoopThread();
            return Drained;
        }
    }

    /// <summary>Gets the exception the channel was completed with, or null (not completed, or completed without one).</summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public Exception? CompletionError
    {
        get
        {
            CheckLoopThread();
            return _error;
        }
    }

    /// <summary>The number of readers parked on the channel (for tests and diagnostics).</summary>
    internal int WaitingReaderCount => _readers.Count;

    /// <summary>The number of writers parked on the channel (for tests and diagnostics).</summary>
    internal int WaitingWriterCount => _writers.Count;

    /// <summary>Items handed to a waiting reader that has not taken them yet.</summary>
    internal int InFlightCount => _inFlight;

    internal WaiterList ReaderList => _readers;

    internal WaiterList WriterList => _writers;

    private bool Drained => _completed && _buffer.Count == 0 && _inFlight == 0;

    private bool HasRoom => !_completed && _buffer.Count + _inFlight < _capacity;

    /// <summary>Writes <paramref name="item"/> if the channel has room, without waiting.</summary>
    /// <remarks>
    /// When a reader is waiting, the item is handed to the first one (it resumes next round and no one else can
    /// take the item); otherwise it is buffered behind the items already there.
    /// </remarks>
    /// <param name="item">The item to write.</param>
    /// <returns>True when the item was written; false when a bounded channel is full or the channel is completed.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public bool TryWrite(T item)
    {
        CheckLoopThread();
        if (!HasRoom)
        {
            return false;
        }

        Deliver(item);
        return true;
    }

    internal void ReturnWriteWait(WriteWait<T> write)
    {
        if (_spareWrites.Count < SpareWriteLimit)
        {
            _spareWrites.Push(write);
        }
    }

    /// <summary>Creates a wait that writes <paramref name="item"/>, waiting for room while a bounded channel is full.</summary>
    /// <remarks>
    /// <para>Yield the result: <c>yield return channel.Write(item);</c>. Like the BCL's <c>WriteAsync</c>, the
    /// write happens at once when it can: if the channel has room, the item is written before this method returns
    /// and the returned wait only ends the step (the coroutine resumes next round). Otherwise the item is queued
    /// when the wait is yielded, behind writers already waiting, and the coroutine resumes in the round after a
    /// reader makes room for it. That is the whole of backpressure: a producer runs no faster than its readers.</para>
    /// <para>The write happens at the moment there is room. A writer canceled while it waits is removed and its
    /// item is not written; one canceled after that moment (before it ran again) has written its item. Either way
    /// the item is in the channel once or not at all.</para>
    /// <para>If the channel is completed while the writer waits, the writer faults with a
    /// <see cref="ChannelClosedException"/> whose inner exception is the completion error, if any.</para>
    /// </remarks>
    /// <param name="item">The item to write.</param>
    /// <returns>
    /// A wait to yield, once. When the writer has to wait, the wait comes from a pool that it returns to when the
    /// writer resumes, so a producer held back by a full channel allocates nothing per item in steady state.
    /// </returns>
    /// <exception cref="ChannelClosedException">The channel is completed.</exception>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public WaitCondition Write(T item)
    {
        CheckLoopThread();
        if (_completed)
        {
            throw Closed();
        }

        if (HasRoom)
        {
            Deliver(item);
            return Wait.NextTick;
        }

        return (_spareWrites.TryPop(out WriteWait<T>? spare) ? spare : new WriteWait<T>(this)).Rent(item);
    }

    /// <summary>Takes the first buffered item, without waiting.</summary>
    /// <remarks>
    /// An item already handed to a waiting reader is that reader's and is not returned here. Taking an item from a
    /// full bounded channel lets the first waiting writer's item in.
    /// </remarks>
    /// <param name="item">The item taken, or the default value.</param>
    /// <returns>True when an item was taken; false when none is buffered.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public bool TryRead([MaybeNullWhen(false)] out T item)
    {
        CheckLoopThread();
        if (_buffer.Count == 0)
        {
            item = default;
            return false;
        }

        item = _buffer.PopFront();
        AdmitWriters();
        return true;
    }

    /// <summary>Creates a read wait: each time a coroutine yields it, the coroutine receives the next item.</summary>
    /// <remarks>
    /// <para>Keep the wait and yield it again for every item; after each yield, <see cref="ReadWait{T}.HasValue"/>
    /// says whether an item arrived and <see cref="ReadWait{T}.Value"/> holds it. Reusing one wait per coroutine
    /// makes reading allocation-free. See <see cref="ReadWait{T}"/> for the rules.</para>
    /// </remarks>
    /// <returns>A new read wait on this channel; one coroutine at a time may wait on it.</returns>
    public ReadWait<T> Read() => new(this);

    /// <summary>Completes the channel: no more items can be written; items already written stay readable.</summary>
    /// <remarks>
    /// Writers waiting for room fault with a <see cref="ChannelClosedException"/> (inner exception:
    /// <paramref name="error"/>) and their items are not written. Once every item written has been taken, waiting
    /// readers resume: without <paramref name="error"/>, with no value (<see cref="ReadWait{T}.HasValue"/> is
    /// false); with it, they fault with that same exception instance, like joiners of a faulted coroutine.
    /// Woken coroutines run in the next round, in the order they waited.
    /// </remarks>
    /// <param name="error">The failure that ended writing, passed on to readers; null for a normal end.</param>
    /// <exception cref="InvalidOperationException">The channel is already completed, or the call is made from a thread other than the loop's.</exception>
    public void Complete(Exception? error = null)
    {
        if (!TryComplete(error))
        {
            throw new InvalidOperationException($"{this} is already completed.");
        }
    }

    /// <summary>Completes the channel like <see cref="Complete"/>, unless it is already completed.</summary>
    /// <param name="error">The failure that ended writing, passed on to readers; null for a normal end.</param>
    /// <returns>True when this call completed the channel; false when it was already completed.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public bool TryComplete(Exception? error = null)
    {
        CheckLoopThread();
        if (_completed)
        {
            return false;
        }

        _completed = true;
        _error = error;
        while (_writers.TakeFirst() is WriteWait<T> writer)
        {
            writer.Fail(_loop, Closed());
        }

        WakeReadersIfDrained();
        return true;
    }

    /// <summary>Describes the channel for messages: its item type, its name if it has one, and its capacity.</summary>
    /// <returns>For example <c>MessageChannel&lt;Int32&gt; (capacity 4)</c> or <c>MessageChannel&lt;Int32&gt; 'orders' (unbounded)</c>.</returns>
    public override string ToString() =>
        $"MessageChannel<{typeof(T).Name}>{(_name is null ? "" : $" '{_name}'")} ({(_capacity == int.MaxValue ? "unbounded" : $"capacity {_capacity}")})";

    string IChannelDiagnostics.Description =>
        _name is not null ? $"{_kind} '{_name}'" : $"a {_kind} of {typeof(T).Name}";

    bool IChannelDiagnostics.IsMailbox => _kind == "mailbox";

    int IChannelDiagnostics.BufferedCount => _buffer.Count;

    bool IChannelDiagnostics.IsCompleted => _completed;

    int IChannelDiagnostics.HandedCount => _inFlight;

    int? IChannelDiagnostics.Limit => Capacity;

    WaiterList IChannelDiagnostics.Readers => _readers;

    WaiterList IChannelDiagnostics.Writers => _writers;

    private static int ValidCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return capacity;
    }
}
