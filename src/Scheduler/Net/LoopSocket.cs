using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Scheduler;

// Design note
// ===========
// Socket I/O as waits. A LoopSocket owns one Socket and, created on first use, one operation object per kind
// (accept, connect, receive, send). The operation object is at once the wait a coroutine yields, the parking
// lot that holds that coroutine (a WaiterList, so a cancel unlinks it in O(1)), and the owner of one reusable
// SocketAsyncEventArgs. So a connection that receives and sends forever allocates nothing per operation.
//
// Completions never run user code on an I/O thread. Before it starts an asynchronous call the operation parks
// itself as an external waiter (EventLoop.ParkExternal); the I/O thread only calls EventLoop.PostCompletion;
// phase (a) of the next round wakes the operation on the loop thread, and the operation wakes the coroutine,
// which runs in phase (c) of that same round.
//
// Nothing is lost on cancel:
//   - Receive works by readiness. A non-blocking 1-byte peek on the loop thread says whether data, the end of
//     the stream or an error is there; if not, the asynchronous call is a zero-byte receive, which completes
//     when that changes and consumes nothing (its completion is only a hint: the runtime sometimes completes
//     one while nothing is readable, so the peek confirms it before anyone is woken). The bytes are read with a
//     non-blocking receive at the start of the woken coroutine's own turn (IPendingGrant.Accept). A coroutine
//     canceled while it waits, or after it was woken but before it ran, consumed nothing, and the caller's
//     buffer is never written after the cancel. A receive raced by a timeout (Wait.Any) is therefore safe, and
//     the socket stays usable.
//   - Accept keeps a connection accepted for a canceled coroutine for the next accept (or disposes it with the
//     listener).
//   - A send cannot be taken back once the socket has part of it, so it finishes even if its coroutine is
//     canceled, and a send started meanwhile queues behind it: the byte stream is never cut or interleaved.
//   - A connect cannot be taken back either; the socket reports it to nobody and refuses a second connect.
// The operation keeps a failure that arrives while nobody waits and faults the next coroutine that uses it.
//
// Rejected: the ValueTask-returning Socket.ReceiveAsync(Memory<byte>, ...). Its per-socket cached source is
// allocation-free too, but a receive it has started consumes bytes into a buffer whose coroutine may be gone,
// and cancelling it needs a CancellationTokenSource per operation.

/// <summary>
/// A <see cref="System.Net.Sockets.Socket"/> bound to an <see cref="EventLoop"/>, whose accept, connect, receive and send are
/// waits a coroutine yields: one loop thread serves thousands of connections without blocking.
/// </summary>
/// <remarks>
/// <para>Each <c>Wait…</c> call returns the socket's own wait for that kind of operation (the same instance every
/// time, so steady-state I/O allocates nothing). The operation starts when the coroutine yields the wait; the
/// coroutine resumes in the round after it completed, and reads <see cref="SocketWait{T}.Result"/>. A failure
/// faults the coroutine with a fresh <see cref="SocketException"/> (or an <see cref="ObjectDisposedException"/>
/// after <see cref="Dispose"/>), like a joined coroutine's fault. Completions come from I/O threads but only
/// post to the loop's inbox, so no user code runs anywhere but on the loop thread.</para>
/// <para>One coroutine at a time may wait for each kind of operation; a receive and a send may run at the same
/// time (from one coroutine with <see cref="Wait.All"/>, or from two). A receive of 0 bytes means the peer
/// closed its side (end of stream).</para>
/// <para>Cancel (of the coroutine, or of a <see cref="Wait.Any"/> branch that lost to a timeout) consumes
/// nothing: a canceled receive reads no byte and never writes into its buffer afterwards, a connection accepted
/// for a canceled accept goes to the next accept. A send or a connect that has started cannot be taken back: it
/// finishes in the background, and a later send queues behind it. Dispose the socket (a <c>using</c> in the
/// coroutine) to abort everything.</para>
/// <para>Threading: the <c>Wait…</c> members belong to the loop's thread; <see cref="Dispose"/> is safe from any
/// thread. Do not receive or send through <see cref="Socket"/> directly; its options, endpoints and
/// <see cref="System.Net.Sockets.Socket.Shutdown"/> are fine to use.</para>
/// </remarks>
/// <example>
/// <code>
/// IEnumerator Echo(LoopSocket connection)
/// {
///     using (connection)
///     {
///         var buffer = new byte[4096];
///         while (true)
///         {
///             SocketWait&lt;int&gt; receive = connection.WaitReceive(buffer);
///             yield return receive;
///             if (receive.Result == 0)
///             {
///                 yield break;                                   // the peer closed the connection
///             }
///
///             yield return connection.WaitSend(buffer.AsMemory(0, receive.Result));
///         }
///     }
/// }
/// </code>
/// </example>
public sealed class LoopSocket : IDisposable
{
    private readonly EventLoop _loop;
    private readonly Socket _socket;
    private ReceiveOperation? _receive;
    private SendOperation? _send;
    private AcceptOperation? _accept;
    private ConnectOperation? _connect;
    private int _disposed;

    /// <summary>Binds <paramref name="socket"/> to <paramref name="loop"/> and takes ownership of it.</summary>
    /// <remarks>The socket is switched to non-blocking mode. Safe from any thread.</remarks>
    /// <param name="loop">The loop whose coroutines use the socket.</param>
    /// <param name="socket">A stream socket (TCP, or a Unix domain stream socket): a listener, or one to connect, or a connected one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> or <paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="socket"/> is not a stream socket.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="socket"/> has been disposed.</exception>
    public LoopSocket(EventLoop loop, Socket socket)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.SocketType != SocketType.Stream)
        {
            throw new ArgumentException(
                $"A LoopSocket needs a stream socket, but this one is {socket.SocketType}: a receive of 0 bytes means end of stream only on a stream.",
                nameof(socket));
        }

        socket.Blocking = false;
        _loop = loop;
        _socket = socket;
    }

    /// <summary>Gets the loop whose coroutines use this socket.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Gets the underlying socket, for its options, endpoints and <see cref="System.Net.Sockets.Socket.Shutdown"/>.</summary>
    /// <remarks>Receiving or sending through it directly, or any blocking call, bypasses the loop: don't.</remarks>
    public Socket Socket => _socket;

    /// <summary>Gets whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Creates a TCP socket listening on <paramref name="localEndPoint"/>, ready for <see cref="WaitAccept"/>.</summary>
    /// <param name="loop">The loop whose coroutines accept on it.</param>
    /// <param name="localEndPoint">Where to listen; port 0 picks a free port (read it from <c>Socket.LocalEndPoint</c>).</param>
    /// <param name="backlog">How many connections the system may queue before they are accepted (capped by the system).</param>
    /// <returns>The listening socket.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> or <paramref name="localEndPoint"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="backlog"/> is less than 1.</exception>
    /// <exception cref="SocketException">The endpoint cannot be bound (in use, not local).</exception>
    public static LoopSocket ListenTcp(EventLoop loop, IPEndPoint localEndPoint, int backlog = 512)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(localEndPoint);
            socket.Listen(backlog);
            return new LoopSocket(loop, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Creates an unconnected TCP socket, ready for <see cref="WaitConnect"/>.</summary>
    /// <param name="loop">The loop whose coroutines use the socket.</param>
    /// <param name="addressFamily">The address family of the endpoint it will connect to.</param>
    /// <returns>The socket.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loop"/> is null.</exception>
    /// <exception cref="SocketException">The system cannot create the socket (too many open sockets, for example).</exception>
    public static LoopSocket CreateTcp(EventLoop loop, AddressFamily addressFamily = AddressFamily.InterNetwork)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var socket = new Socket(addressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            return new LoopSocket(loop, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Creates the wait for the next incoming connection; its <see cref="SocketWait{T}.Result"/> is the connected socket.</summary>
    /// <remarks>
    /// The accepted socket belongs to the same loop, and to the caller: dispose it. A connection accepted for a
    /// coroutine that was canceled before it ran is kept for the next accept; connections nobody took are
    /// disposed with the listener.
    /// </remarks>
    /// <returns>The socket's accept wait (the same instance every call).</returns>
    /// <exception cref="InvalidOperationException">Called off the loop thread, or another coroutine is already waiting to accept.</exception>
    /// <exception cref="ObjectDisposedException">The socket has been disposed.</exception>
    public SocketWait<LoopSocket> WaitAccept() => (_accept ??= new AcceptOperation(this)).Prepare();

    /// <summary>Takes an incoming connection that is ready now, without waiting.</summary>
    /// <remarks>
    /// For servers under a burst of connects: a coroutine that has just accepted with <see cref="WaitAccept"/>
    /// drains what else is queued (<c>while (listener.TryAccept(out var more)) { ... }</c>) instead of taking one
    /// connection per round. Returns false when nothing is queued, while a coroutine waits in
    /// <see cref="WaitAccept"/> (it is never overtaken), and while an asynchronous accept is in flight.
    /// </remarks>
    /// <param name="connection">The connected socket, on the same loop; the caller disposes it.</param>
    /// <returns>True when a connection was taken.</returns>
    /// <exception cref="InvalidOperationException">Called off the loop thread.</exception>
    /// <exception cref="ObjectDisposedException">The socket has been disposed.</exception>
    /// <exception cref="SocketException">The listener failed.</exception>
    public bool TryAccept([NotNullWhen(true)] out LoopSocket? connection)
    {
        Socket? accepted = (_accept ??= new AcceptOperation(this)).TryTake();
        connection = accepted is null ? null : new LoopSocket(_loop, accepted);
        return connection is not null;
    }

    /// <summary>Creates the wait that connects the socket to <paramref name="remoteEndPoint"/>.</summary>
    /// <remarks>
    /// The coroutine resumes once connected, or faults with the <see cref="SocketException"/> that refused it. A
    /// connect whose coroutine is canceled keeps going; dispose the socket to abort it.
    /// </remarks>
    /// <param name="remoteEndPoint">Where to connect.</param>
    /// <returns>The socket's connect wait (the same instance every call).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Called off the loop thread, or a connect is already in progress.</exception>
    /// <exception cref="ObjectDisposedException">The socket has been disposed.</exception>
    public WaitCondition WaitConnect(EndPoint remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        return (_connect ??= new ConnectOperation(this)).Prepare(remoteEndPoint);
    }

    /// <summary>Creates the wait that receives into <paramref name="buffer"/>; its <see cref="SocketWait{T}.Result"/> is the number of bytes received.</summary>
    /// <remarks>
    /// <para>Resumes as soon as some bytes are there (at most <c>buffer.Length</c>, maybe fewer); 0 means the peer
    /// closed its side of the connection, and every later receive returns 0 too. A reset faults the coroutine
    /// with a <see cref="SocketException"/> (<see cref="SocketError.ConnectionReset"/>).</para>
    /// <para>The bytes are copied into <paramref name="buffer"/> at the start of the coroutine's turn. A coroutine
    /// canceled before that receives nothing and the bytes stay for the next receive; the buffer is not touched
    /// after the cancel.</para>
    /// </remarks>
    /// <param name="buffer">Where to put the bytes; at least one byte long. Keep it unchanged until the coroutine resumes.</param>
    /// <returns>The socket's receive wait (the same instance every call).</returns>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">Called off the loop thread, or another coroutine is already waiting to receive.</exception>
    /// <exception cref="ObjectDisposedException">The socket has been disposed.</exception>
    public SocketWait<int> WaitReceive(Memory<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("A receive needs room for at least one byte: a receive of 0 bytes means end of stream.", nameof(buffer));
        }

        return (_receive ??= new ReceiveOperation(this)).Prepare(buffer);
    }

    /// <summary>Creates the wait that sends all of <paramref name="buffer"/>; its <see cref="SocketWait{T}.Result"/> is the number of bytes sent.</summary>
    /// <remarks>
    /// <para>Resumes once every byte has been handed to the system (not when the peer has read them). When the
    /// socket's send buffer has room the bytes go out while the coroutine yields, with no thread hop; the rest is
    /// sent asynchronously.</para>
    /// <para>A send whose coroutine is canceled while its rest is in flight still finishes, reading
    /// <paramref name="buffer"/> until then; a send started meanwhile waits behind it, so sends never interleave.
    /// Dispose the socket to abort it.</para>
    /// </remarks>
    /// <param name="buffer">The bytes to send; keep them unchanged until the coroutine resumes.</param>
    /// <returns>The socket's send wait (the same instance every call).</returns>
    /// <exception cref="InvalidOperationException">Called off the loop thread, or another coroutine is already waiting to send.</exception>
    /// <exception cref="ObjectDisposedException">The socket has been disposed.</exception>
    public SocketWait<int> WaitSend(ReadOnlyMemory<byte> buffer) => (_send ??= new SendOperation(this)).Prepare(buffer);

    /// <summary>Closes the socket and releases its resources. Safe from any thread; calling it again does nothing.</summary>
    /// <remarks>
    /// Operations in progress end: their coroutines fault with an <see cref="ObjectDisposedException"/> in a later
    /// round. Connections accepted but not yet taken by a coroutine are disposed too.
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _socket.Dispose();
        _accept?.DisposeAccepted();
        _accept?.DisposeArgs();
        _connect?.DisposeArgs();
        _receive?.DisposeArgs();
        _send?.DisposeArgs();
    }

    /// <summary>Describes the socket by its endpoints, for messages and logs.</summary>
    /// <returns>For example <c>socket 127.0.0.1:5000 -&gt; 127.0.0.1:41230</c>, or <c>listener on 127.0.0.1:5000</c>.</returns>
    public override string ToString()
    {
        if (IsDisposed)
        {
            return "socket (disposed)";
        }

        try
        {
            EndPoint? local = _socket.LocalEndPoint;
            EndPoint? remote = _socket.Connected ? _socket.RemoteEndPoint : null;
            return remote is not null ? $"socket {local} -> {remote}"
                : local is not null ? $"listener on {local}"
                : "socket (unbound)";
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            return "socket (closed)";
        }
    }

    /// <summary>The receive operation, if any (for tests).</summary>
    internal ReceiveOperation? ReceiveOperation => _receive;

    /// <summary>The accept operation, if any (for tests).</summary>
    internal AcceptOperation? AcceptOperation => _accept;

    internal void CheckAccess(string verb)
    {
        if (!_loop.IsLoopThread)
        {
            throw new InvalidOperationException(
                $"Cannot {verb} on {this} from thread {Environment.CurrentManagedThreadId}: a LoopSocket's waits belong to its loop's thread. " +
                "Yield them from a coroutine of that loop.");
        }

        ThrowIfDisposed(verb);
    }

    internal void ThrowIfDisposed(string verb)
    {
        if (IsDisposed)
        {
            throw DisposedError(verb);
        }
    }

    internal ObjectDisposedException DisposedError(string verb) =>
        new(nameof(LoopSocket), $"Cannot {verb}: the socket has been disposed.");
}
