using System.Net;
using System.Net.Sockets;

namespace Scheduler;

/// <summary>Connects with the socket's reusable event args. A connect outlives a canceled coroutine (the socket cannot take it back).</summary>
internal sealed class ConnectOperation(LoopSocket owner) : SocketOperation<bool>(owner)
{
    private protected override string Verb => "connect";

    public WaitCondition Prepare(EndPoint remoteEndPoint)
    {
        BeginRequest();
        ThrowIfInFlight();
        Args.RemoteEndPoint = remoteEndPoint;
        return this;
    }

    private protected override void Start(IWaiter waiter)
    {
        ThrowIfInFlight();
        Waiters.Add(waiter);
        if (TryBeginIo() is { } error)
        {
            FailOrKeep(error);
        }
    }

    private protected override bool StartIo(Socket socket, SocketAsyncEventArgs args) => socket.ConnectAsync(args);

    private protected override void OnIoCompleted(SocketAsyncEventArgs args)
    {
        args.RemoteEndPoint = null;
        if (args.SocketError != SocketError.Success)
        {
            FailOrKeep(ErrorFor(args.SocketError));
        }
        else if (Waiters.TakeFirst() is { } waiter)
        {
            SetResult(true);
            Grant(waiter);
        }
    }

    private void ThrowIfInFlight()
    {
        if (InFlight)
        {
            throw new InvalidOperationException(
                $"Cannot connect {Owner}: a connect started by a coroutine that was canceled is still in progress. " +
                "Dispose the socket and connect a new one.");
        }
    }
}
