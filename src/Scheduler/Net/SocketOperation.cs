using System.Net.Sockets;

namespace Scheduler;

/// <summary>
/// One kind of operation (accept, connect, receive, send) on one <see cref="LoopSocket"/>: the wait a coroutine
/// yields, the parking lot for that coroutine, and the reusable <see cref="SocketAsyncEventArgs"/> whose
/// completion is marshalled into the loop. A socket creates each kind once, so steady-state I/O allocates nothing.
/// </summary>
/// <remarks>
/// <para>How a completion travels: the operation parks itself (not the coroutine) as an external waiter
/// (<see cref="EventLoop.ParkExternal"/>) before it starts the asynchronous call; the I/O thread only posts
/// (<see cref="EventLoop.PostCompletion"/>); phase (a) of the next round calls <see cref="IWaiter.Wake"/> on the
/// loop thread, which is where the operation looks at the result and wakes the coroutine. No user code ever runs
/// on an I/O thread.</para>
/// <para>The coroutine itself is parked in <see cref="Waiters"/> (a <see cref="WaiterList"/> of at most one), so a
/// cancel unlinks it at once through <see cref="EventLoop.Unpark"/>, and a completion that arrives afterwards
/// finds nobody to wake. What the operation cannot give back (an accepted socket, an error) it keeps for the next
/// coroutine instead of dropping it; a receive has consumed nothing, so it has nothing to keep.</para>
/// <para>A woken coroutine holds the operation as a grant (<see cref="IPendingGrant"/>) until its next turn: the
/// socket stays busy for that kind of operation until then, and a receive or an accept takes its data or its
/// socket only in <see cref="IPendingGrant.Accept"/>, at the start of that turn. A coroutine canceled before its
/// turn declines the grant and nothing is consumed.</para>
/// </remarks>
internal abstract class SocketOperation<T> : SocketWait<T>, IWaiter, IPendingGrant
{
    private static readonly EventHandler<SocketAsyncEventArgs> s_onCompleted = static (_, args) =>
        ((SocketOperation<T>)args.UserToken!).OnIoThreadCompleted();

    private readonly LoopSocket _owner;
    private SocketAsyncEventArgs? _args;
    private int _ticket;             // the operation's own external registration, see TryBeginIo
    private ParkKind _parkKind;
    private int _slot;
    private object? _parkedOn;
    private bool _granted;           // a woken coroutine holds this operation until its next turn
    private bool _requested;         // a Wait… call prepared a request that no yield has started yet
    private Coroutine? _holder;      // who waits, to name it when another coroutine collides; cleared at its turn
    private Exception? _pendingFault; // a failure that arrived while nobody waited: the next operation gets it

    private protected SocketOperation(LoopSocket owner) => _owner = owner;

    internal LoopSocket Owner => _owner;

    internal EventLoop Loop => _owner.Loop;

    /// <summary>Whether an asynchronous call is running on the reusable event args.</summary>
    internal bool InFlight { get; private set; }

    /// <summary>Whether a coroutine waits for this operation or has been woken and not yet run.</summary>
    internal bool IsBusy => Waiters.Count > 0 || _granted;

    /// <summary>The coroutine (or composite branch) waiting for the operation: at most one.</summary>
    private protected WaiterList Waiters { get; } = new();

    private protected SocketAsyncEventArgs Args => _args ??= CreateArgs();

    ParkKind IWaiter.ParkKind
    {
        get => _parkKind;
        set => _parkKind = value;
    }

    int IWaiter.Slot
    {
        get => _slot;
        set => _slot = value;
    }

    object? IWaiter.ParkedOn
    {
        get => _parkedOn;
        set => _parkedOn = value;
    }

    private protected override string DescribeSocket() => _owner.ToString();

    /// <summary>Starts a new request of this kind from a <c>LoopSocket.Wait…</c> call (loop thread).</summary>
    private protected void BeginRequest()
    {
        _owner.CheckAccess(Verb);
        ThrowIfBusy();
        ClearResult();
        _requested = true;
    }

    internal sealed override void Park(EventLoop loop, IWaiter waiter)
    {
        if (!ReferenceEquals(loop, Loop))
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine} cannot {Verb} on {_owner}: the socket belongs to another event loop.");
        }

        ThrowIfBusy();
        _owner.ThrowIfDisposed(Verb);
        if (!_requested)
        {
            throw new InvalidOperationException(
                $"The {Verb} wait of {_owner} was yielded again without a new call: call the socket's Wait… member for " +
                $"every {Verb} (it returns the same instance each time, but each call starts a new request).");
        }

        _requested = false;
        _holder = loop.CurrentCoroutine;
        if (_pendingFault is { } fault)
        {
            _pendingFault = null;
            waiter.Wake(loop, null, fault);
            return;
        }

        Start(waiter);
    }

    /// <summary>Serves <paramref name="waiter"/>: at once, or by parking it in <see cref="Waiters"/> and starting I/O.</summary>
    private protected abstract void Start(IWaiter waiter);

    /// <summary>Calls the asynchronous socket method; returns true when it completes later on an I/O thread.</summary>
    private protected abstract bool StartIo(Socket socket, SocketAsyncEventArgs args);

    /// <summary>The asynchronous call completed; runs on the loop thread (phase (a), or inline when it completed synchronously).</summary>
    private protected abstract void OnIoCompleted(SocketAsyncEventArgs args);

    /// <summary>The woken coroutine's turn begins: take what the operation holds for it. May throw to fault it.</summary>
    private protected virtual void OnGrantAccepted()
    {
    }

    /// <summary>
    /// Starts the asynchronous call on the loop thread. Returns the exception that prevented the start (the
    /// socket was disposed, for example), or null; a synchronous completion is handled before this returns.
    /// </summary>
    private protected Exception? TryBeginIo()
    {
        SocketAsyncEventArgs args = Args;

        // Registered before the call starts: the I/O thread may complete it before StartIo returns.
        _ticket = Loop.ParkExternal(this);
        InFlight = true;
        bool pending;
        try
        {
            pending = StartIo(_owner.Socket, args);
        }
        catch (Exception ex)
        {
            InFlight = false;
            _parkKind = ParkKind.None;
            return ex;
        }

        if (!pending)
        {
            InFlight = false;
            _parkKind = ParkKind.None;
            OnIoCompleted(args);
        }

        return null;
    }

    /// <summary>Hands the operation to <paramref name="waiter"/>: it runs next round and takes the result at the start of its turn.</summary>
    private protected void Grant(IWaiter waiter)
    {
        _granted = true;
        waiter.WakeWithGrant(Loop, this);
    }

    /// <summary>Faults the waiting coroutine with <paramref name="error"/>, or keeps it for the next one when nobody waits.</summary>
    private protected void FailOrKeep(Exception error)
    {
        if (Waiters.TakeFirst() is { } waiter)
        {
            waiter.Wake(Loop, null, error);
        }
        else
        {
            _pendingFault = error;
        }
    }

    /// <summary>A fresh exception for a failed call: each coroutine faults with its own instance.</summary>
    private protected Exception ErrorFor(SocketError error) =>
        _owner.IsDisposed ? _owner.DisposedError(Verb) : new SocketException((int)error);

    internal void DisposeArgs() => _args?.Dispose();

    private void ThrowIfBusy()
    {
        if (IsBusy)
        {
            string holder = _holder is { } coroutine ? coroutine.ToString() : "another coroutine";
            throw new InvalidOperationException(
                $"Cannot {Verb} on {_owner}: {holder} is already waiting to {Verb} on it. One coroutine at a time may " +
                $"{Verb} on a socket (a receive and a send may run at the same time).");
        }
    }

    private SocketAsyncEventArgs CreateArgs()
    {
        // No ExecutionContext flows: the completion only posts to the loop, and capturing one would cost per call.
        var args = new SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true) { UserToken = this };
        args.Completed += s_onCompleted;
        return args;
    }

    /// <summary>On an I/O thread: report to the loop, nothing else.</summary>
    private void OnIoThreadCompleted() => Loop.PostCompletion(this, _ticket, null);

    void IWaiter.Wake(EventLoop loop, Coroutine? joined, Exception? error)
    {
        // Phase (a) of a round: this must not throw into the loop's inbox, so a surprise becomes the waiter's fault.
        InFlight = false;
        try
        {
            OnIoCompleted(_args!);
        }
        catch (Exception ex)
        {
            FailOrKeep(ex);
        }
    }

    void IWaiter.WakeWithGrant(EventLoop loop, IPendingGrant grant) =>
        throw new InvalidOperationException("A socket operation is only woken by its own completion.");

    void IPendingGrant.Accept(Coroutine coroutine)
    {
        _granted = false;
        _holder = null;
        OnGrantAccepted();
    }

    void IPendingGrant.Decline(EventLoop loop, Coroutine coroutine)
    {
        _granted = false;
        _holder = null; // nothing was taken: the data or the accepted socket stays for the next operation
    }
}
