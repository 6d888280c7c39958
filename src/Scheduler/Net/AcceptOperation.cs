using System.Net.Sockets;

namespace Scheduler;

/// <summary>
/// Accepts connections one at a time with a reusable event args. A connection accepted while nobody waits
/// (its coroutine was canceled, or declined it) is kept for the next accept, and disposed with the listener if
/// nobody takes it: a connection is never dropped silently.
/// </summary>
internal sealed class AcceptOperation(LoopSocket owner) : SocketOperation<LoopSocket>(owner)
{
    // Accepted, not yet handed to a coroutine. Locked because Dispose may run on another thread.
    private readonly Queue<Socket> _accepted = new();

    private protected override string Verb => "accept";

    /// <summary>How many accepted connections wait for a coroutine (for tests).</summary>
    internal int AcceptedCount
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    public SocketWait<LoopSocket> Prepare()
    {
        BeginRequest();
        return this;
    }

    private protected override void Start(IWaiter waiter)
    {
        if (AcceptedCount > 0)
        {
            Grant(waiter);
            return;
        }

        Waiters.Add(waiter);
        if (!InFlight)
        {
            Args.AcceptSocket = null; // a fresh socket for every connection
            if (TryBeginIo() is { } error)
            {
                FailOrKeep(error);
            }
        }
    }

    private protected override bool StartIo(Socket socket, SocketAsyncEventArgs args) => socket.AcceptAsync(args);

    private protected override void OnIoCompleted(SocketAsyncEventArgs args)
    {
        Socket? accepted = args.AcceptSocket;
        args.AcceptSocket = null;
        if (args.SocketError != SocketError.Success || accepted is null)
        {
            accepted?.Dispose();
            FailOrKeep(ErrorFor(args.SocketError));
            return;
        }

        lock (_accepted)
        {
            if (!Owner.IsDisposed)
            {
                _accepted.Enqueue(accepted);
                accepted = null;
            }
        }

        if (accepted is not null)
        {
            accepted.Dispose();
            FailOrKeep(Owner.DisposedError(Verb));
        }
        else if (Waiters.TakeFirst() is { } waiter)
        {
            Grant(waiter);
        }
    }

    private protected override void OnGrantAccepted()
    {
        Socket? accepted;
        lock (_accepted)
        {
            _accepted.TryDequeue(out accepted);
        }

        SetResult(new LoopSocket(Loop, accepted ?? throw Owner.DisposedError(Verb)));
    }

    /// <summary>
    /// Takes a connection without waiting (<see cref="LoopSocket.TryAccept"/>): one accepted earlier and not yet
    /// taken, or one the kernel has queued. Never overtakes a coroutine waiting to accept, and leaves the kernel
    /// alone while an asynchronous accept is in flight (that accept's connection is taken next time).
    /// </summary>
    internal Socket? TryTake()
    {
        Owner.CheckAccess(Verb);
        if (IsBusy)
        {
            return null;
        }

        lock (_accepted)
        {
            if (_accepted.TryDequeue(out Socket? kept))
            {
                return kept;
            }
        }

        if (InFlight)
        {
            return null;
        }

        try
        {
            // Poll with a zero timeout only asks whether a connection is queued; Accept then returns at once.
            return Owner.Socket.Poll(0, SelectMode.SelectRead) ? Owner.Socket.Accept() : null;
        }
        catch (SocketException error) when (error.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted)
        {
            return null; // the peer gave up between the poll and the accept
        }
    }

    /// <summary>Disposes the connections nobody took. Any thread; called once the listener is disposed.</summary>
    internal void DisposeAccepted()
    {
        lock (_accepted)
        {
            while (_accepted.TryDequeue(out Socket? socket))
            {
                socket.Dispose();
            }
        }
    }
}
