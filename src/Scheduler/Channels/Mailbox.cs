using System.Diagnostics.CodeAnalysis;

namespace Scheduler;

/// <summary>
/// Values sent to a coroutine, from any thread, received in order at its yield point: this library's answer to
/// Python's <c>generator.send(value)</c>. An unbounded <see cref="MessageChannel{T}"/> whose
/// <see cref="Send"/> and <see cref="Complete"/> are safe from any thread.
/// </summary>
/// <typeparam name="T">The type of the values.</typeparam>
/// <remarks>
/// <para>The receiving coroutine yields the wait from <see cref="Receive"/> and reads
/// <see cref="ReadWait{T}.Value"/> when it resumes, like <c>val = yield</c>. There is no priming: the loop runs
/// the coroutine's first step itself, and values sent before the coroutine reaches its first receive are kept
/// until it does. None is lost, and none is received twice.</para>
/// <para>Order: values are received in the order the <see cref="Send"/> calls took effect, so the values of one
/// sender arrive in the order it sent them. A send on the loop thread goes into the mailbox at once; a send from
/// another thread goes through the loop's inbox and is in the mailbox at the start of the next round (a waiting
/// receiver then runs in that round).</para>
/// </remarks>
public sealed class Mailbox<T>
{
    private readonly EventLoop _loop;
    private readonly MessageChannel<T> _channel;
    private readonly Action _deliver;

    // Sends from other threads wait here, under _gate, until the one delivery posted to the loop's inbox moves
    // them all into the channel. One post per batch, with a cached delegate: sending allocates nothing once the
    // lists have grown.
    private readonly Lock _gate = new();
    private readonly List<T> _pending = [];
    private bool _deliveryPosted;
    private volatile bool _closed;
    private bool _completionPending;
    private Exception? _completionError;

    /// <summary>Creates an empty mailbox whose receivers run on <paramref name="loop"/>.</summary>
    /// <param name="loop">The loop of the receiving coroutines.</param>
    /// <param name="name">A name for task dumps and logs (<c>receiving from mailbox 'commands'</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    public Mailbox(EventLoop loop, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _loop = loop;
        Name = name;
        _channel = new MessageChannel<T>(loop, int.MaxValue, name, "mailbox");
        _deliver = DeliverPending;
    }

    /// <summary>Gets the loop of the receiving coroutines.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the name given at creation, or null.</summary>
    public string? Name { get; }

    /// <summary>Gets whether <see cref="Complete"/> has been called: sends are refused from now on.</summary>
    /// <remarks>Safe from any thread. Values sent before may still be waiting to be received.</remarks>
    public bool IsCompleted => _closed;

    /// <summary>Gets how many values are in the mailbox, waiting to be received.</summary>
    /// <remarks>Values sent from other threads count once the loop has taken them in, at the start of the next round.</remarks>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public int Count => _channel.Count;

    /// <summary>Sends <paramref name="value"/> to the mailbox, from any thread.</summary>
    /// <remarks>
    /// Never waits: the mailbox is unbounded. On the loop thread the value goes in at once (a waiting receiver is
    /// handed it and runs next round); from another thread it is posted to the loop's inbox and goes in at the
    /// start of the next round, and a sleeping <see cref="EventLoop.Run"/> wakes for it.
    /// </remarks>
    /// <param name="value">The value to send.</param>
    /// <returns>True when the value was accepted: it will be received, in order, exactly once. False when the mailbox is completed.</returns>
    /// <exception cref="ObjectDisposedException">The loop has been disposed; the value was not accepted.</exception>
    public bool Send(T value)
    {
        bool onLoop = _loop.IsLoopThread;
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            if (onLoop)
            {
                DeliverPendingLocked(); // values other threads sent before this one go first
                _channel.TryWrite(value);
                return true;
            }

            _pending.Add(value);
            try
            {
                PostDelivery();
            }
            catch (ObjectDisposedException)
            {
                _pending.RemoveAt(_pending.Count - 1);
                throw;
            }
        }

        return true;
    }

    /// <summary>Creates a wait that receives the next value each time a coroutine yields it.</summary>
    /// <remarks>
    /// Keep one per receiving coroutine and yield it for every value; see <see cref="ReadWait{T}"/>. After
    /// <see cref="Complete"/>, and once every value sent before it was received, the wait resumes with
    /// <see cref="ReadWait{T}.HasValue"/> false (or faults the receiver with the completion error).
    /// </remarks>
    /// <returns>A new receive wait on this mailbox.</returns>
    public ReadWait<T> Receive() => _channel.Read();

    /// <summary>Takes the next value without waiting.</summary>
    /// <param name="value">The value taken, or the default value.</param>
    /// <returns>True when a value was taken; false when the mailbox holds none.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread other than the loop's.</exception>
    public bool TryReceive([MaybeNullWhen(false)] out T value) => _channel.TryRead(out value);

    /// <summary>Completes the mailbox, from any thread: later sends are refused; values already sent are still received.</summary>
    /// <remarks>
    /// Receivers get every value sent before this call, then completion: <see cref="ReadWait{T}.HasValue"/> is false,
    /// or, with <paramref name="error"/>, they fault with it. From another thread the completion takes effect on the
    /// loop at the start of the next round.
    /// </remarks>
    /// <param name="error">The failure to pass on to receivers; null for a normal end.</param>
    /// <exception cref="InvalidOperationException">The mailbox is already completed.</exception>
    /// <exception cref="ObjectDisposedException">Called from another thread after the loop was disposed.</exception>
    public void Complete(Exception? error = null)
    {
        if (!TryComplete(error))
        {
            throw new InvalidOperationException($"The mailbox of {typeof(T).Name} is already completed.");
        }
    }

    /// <summary>Completes the mailbox like <see cref="Complete"/>, unless it is already completed.</summary>
    /// <param name="error">The failure to pass on to receivers; null for a normal end.</param>
    /// <returns>True when this call completed the mailbox; false when it was already completed.</returns>
    /// <exception cref="ObjectDisposedException">Called from another thread after the loop was disposed.</exception>
    public bool TryComplete(Exception? error = null)
    {
        bool onLoop = _loop.IsLoopThread;
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _closed = true;
            _completionPending = true;
            _completionError = error;
            if (onLoop)
            {
                DeliverPendingLocked();
                return true;
            }

            try
            {
                PostDelivery();
            }
            catch (ObjectDisposedException)
            {
                _closed = false;
                _completionPending = false;
                _completionError = null;
                throw;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Mailbox<{typeof(T).Name}>";

    // Called under _gate. Posting under the lock keeps "accepted" and "will be delivered" one step: a send that
    // finds a delivery already posted is carried by it, and Dispose runs what is in the inbox before it closes.
    private void PostDelivery()
    {
        if (!_deliveryPosted)
        {
            _loop.Post(_deliver);
            _deliveryPosted = true;
        }
    }

    /// <summary>The posted delivery, run on the loop thread at the start of a round.</summary>
    private void DeliverPending()
    {
        lock (_gate)
        {
            DeliverPendingLocked();
        }
    }

    // Loop thread, under _gate: moves what other threads sent into the channel, in order, then applies a pending
    // completion. Holding the gate makes "the mailbox is completed" and "every accepted value is in the channel"
    // one step for senders on any thread. Nothing here runs user code: a write only queues a woken receiver.
    private void DeliverPendingLocked()
    {
        _deliveryPosted = false;
        foreach (T value in _pending)
        {
            _channel.TryWrite(value); // unbounded and not completed yet: always accepted
        }

        _pending.Clear();
        if (_completionPending)
        {
            _completionPending = false;
            _channel.TryComplete(_completionError);
        }
    }
}
