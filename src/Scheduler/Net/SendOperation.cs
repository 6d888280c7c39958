using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Scheduler;

/// <summary>
/// Sends all of a buffer: first with non-blocking sends on the loop thread (the common case, when the socket's
/// send buffer has room, costs no thread hop), then asynchronously for the rest. A send whose coroutine is
/// canceled while its rest is in flight still completes, so the bytes of one send are never cut short or
/// interleaved with the next: a send started meanwhile waits behind it.
/// </summary>
internal sealed class SendOperation(LoopSocket owner) : SocketOperation<int>(owner)
{
    private ReadOnlyMemory<byte> _request; // what the caller of WaitSend asked to send, until it starts
    private ReadOnlyMemory<byte> _flight;  // the request being sent asynchronously
    private int _sent;                     // bytes of _flight sent so far

    // Whether the parked waiter owns the send in flight, or is queued behind one whose coroutine was canceled.
    private bool _waiterOwnsFlight;

    private protected override string Verb => "send";

    public SocketWait<int> Prepare(ReadOnlyMemory<byte> buffer)
    {
        BeginRequest();
        _request = buffer;
        return this;
    }

    private protected override void Start(IWaiter waiter)
    {
        if (InFlight)
        {
            Waiters.Add(waiter);
            _waiterOwnsFlight = false;
            return;
        }

        SendNow(waiter);
    }

    private protected override bool StartIo(Socket socket, SocketAsyncEventArgs args) => socket.SendAsync(args);

    private void SendNow(IWaiter waiter)
    {
        ReadOnlyMemory<byte> request = _request;
        _request = default;
        int sent = 0;
        SocketError error = SocketError.Success;
        try
        {
            ReadOnlySpan<byte> data = request.Span;
            while (sent < data.Length)
            {
                int n = Owner.Socket.Send(data[sent..], SocketFlags.None, out error);
                if (error != SocketError.Success)
                {
                    break;
                }

                sent += n;
            }
        }
        catch (Exception ex)
        {
            waiter.Wake(Loop, null, ex);
            return;
        }

        if (sent == request.Length)
        {
            SetResult(sent);
            Grant(waiter);
        }
        else if (error != SocketError.WouldBlock)
        {
            waiter.Wake(Loop, null, ErrorFor(error));
        }
        else
        {
            Waiters.Add(waiter);
            _waiterOwnsFlight = true;
            _flight = request;
            _sent = sent;
            SendRest();
        }
    }

    private void SendRest()
    {
        Args.SetBuffer(MemoryMarshal.AsMemory(_flight[_sent..]));
        if (TryBeginIo() is { } error)
        {
            Release();
            FailOrKeep(error);
        }
    }

    private protected override void OnIoCompleted(SocketAsyncEventArgs args)
    {
        if (args.SocketError != SocketError.Success)
        {
            Release();
            FailOrKeep(ErrorFor(args.SocketError));
            return;
        }

        _sent += args.BytesTransferred;
        if (_sent < _flight.Length)
        {
            SendRest();
            return;
        }

        int length = _flight.Length;
        Release();
        if (Waiters.TakeFirst() is not { } waiter)
        {
            return; // its coroutine was canceled; the bytes went out all the same
        }

        if (_waiterOwnsFlight)
        {
            SetResult(length);
            Grant(waiter);
        }
        else
        {
            SendNow(waiter); // its turn: the send it was queued behind has finished
        }
    }

    /// <summary>Drops the references to the caller's memory once the asynchronous send is over.</summary>
    private void Release()
    {
        _flight = default;
        _sent = 0;
        Args.SetBuffer(Memory<byte>.Empty);
    }
}
