using System.Net;
using System.Net.Sockets;
using Scheduler.Tests.Support;
using static Scheduler.Tests.Net.SocketTestSupport;

namespace Scheduler.Tests.Net;

/// <summary>Accept (cancel-safe: no connection is dropped), a send that outlives its canceled coroutine, and bad input.</summary>
public partial class LoopSocketTests
{
    [Test]
    public void WaitAccept_ConnectionAcceptedAfterItsWaiterLostAnAny_GoesToTheNextAccept()
    {
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        var endpoint = (IPEndPoint)listener.Socket.LocalEndPoint!;
        var trace = new Trace();
        EndPoint? clientEnd = null;
        EndPoint? acceptedPeer = null;

        Coroutine acceptor = loop.Spawn(Acceptor(), "acceptor");
        RunUntilAllEnded(loop);

        Assert.Multiple(() =>
        {
            Assert.That(acceptor.State, Is.EqualTo(CoroutineState.Completed), acceptor.Exception?.ToString());
            Assert.That(trace.ToString(), Is.EqualTo("fired 1 kept 1 accepted"));
            Assert.That(acceptedPeer, Is.EqualTo(clientEnd), "the accepted socket is the client's connection");
            Assert.That(listener.AcceptOperation!.AcceptedCount, Is.Zero);
        });

        IEnumerator Acceptor()
        {
            AnyWait first = Wait.Any(listener.WaitAccept(), Wait.Ticks(2));
            yield return first;
            trace.Add($"fired {first.FiredIndex}");

            using LoopSocket client = LoopSocket.CreateTcp(loop);
            yield return client.WaitConnect(endpoint);
            clientEnd = client.Socket.LocalEndPoint;

            // The accept the lost branch armed completes with nobody waiting: the connection is kept.
            yield return Wait.Until(() => listener.AcceptOperation!.AcceptedCount == 1);
            trace.Add($"kept {listener.AcceptOperation!.AcceptedCount}");

            SocketWait<LoopSocket> accept = listener.WaitAccept();
            yield return accept;
            using LoopSocket accepted = accept.Result;
            acceptedPeer = accepted.Socket.RemoteEndPoint;
            trace.Add("accepted");
        }
    }

    [Test]
    public void WaitAccept_CanceledAfterItWasWokenButBeforeItsTurn_ConnectionGoesToTheNextAccept()
    {
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        var trace = new Trace();
        Coroutine acceptor = loop.Spawn(AcceptOnce(listener, trace), "acceptor");
        loop.Tick();
        Assert.That(acceptor.State, Is.EqualTo(CoroutineState.Waiting));

        loop.Spawn(CancelOnceReady(acceptor, trace), "canceler");
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.Socket.LocalEndPoint!);
        RunUntilAllEnded(loop);
        Assert.That(acceptor.State, Is.EqualTo(CoroutineState.Canceled));
        Assert.That(listener.AcceptOperation!.AcceptedCount, Is.EqualTo(1), "the declined connection is kept");

        Coroutine next = loop.Spawn(AcceptOnce(listener, trace), "next acceptor");
        RunUntilAllEnded(loop);
        Assert.Multiple(() =>
        {
            Assert.That(next.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(trace.ToString(), Is.EqualTo($"canceled-before-its-turn finally accepted:{client.LocalEndPoint} finally"));
        });

        static IEnumerator AcceptOnce(LoopSocket listener, Trace trace)
        {
            try
            {
                SocketWait<LoopSocket> accept = listener.WaitAccept();
                yield return accept;
                using LoopSocket connection = accept.Result;
                trace.Add($"accepted:{connection.Socket.RemoteEndPoint}");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void WaitAccept_ListenerDisposedWithConnectionsNobodyTook_DisposesThem()
    {
        using var loop = new EventLoop();
        LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        loop.Spawn(AcceptAndGiveUp(), "acceptor");
        RunUntilAllEnded(loop);
        Assert.That(listener.AcceptOperation!.AcceptedCount, Is.EqualTo(1));

        listener.Dispose();

        Assert.That(listener.AcceptOperation.AcceptedCount, Is.Zero);
        client.ReceiveTimeout = (int)SafetyNet.TotalMilliseconds;
        Assert.That(client.Receive(new byte[1]), Is.Zero, "the kept connection was closed, not leaked");

        IEnumerator AcceptAndGiveUp()
        {
            yield return Wait.Any(listener.WaitAccept(), Wait.Ticks(2));
            client.Connect(listener.Socket.LocalEndPoint!); // test code: a loopback connect completes at once
            yield return Wait.Until(() => listener.AcceptOperation!.AcceptedCount == 1);
        }
    }

    [Test]
    public void WaitSend_CoroutineCanceledWhileTheRestIsInFlight_TheSendFinishesAndTheNextSendFollowsIt()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            byte[] big = Pattern(16 * 1024 * 1024); // more than the socket buffers of both ends hold
            var trace = new Trace();
            Coroutine sender = loop.Spawn(SendOnce(server, big, trace), "sender");
            loop.Tick();
            Assert.That(sender.State, Is.EqualTo(CoroutineState.Waiting), "the peer reads nothing yet, so the send must wait");

            sender.Cancel();
            loop.Tick();
            Assert.That(sender.State, Is.EqualTo(CoroutineState.Canceled));
            Coroutine tail = loop.Spawn(SendOnce(server, "tail"u8.ToArray(), trace), "tail");

            Task<byte[]> reading = Task.Run(() => ReceiveExactly(client, big.Length + 4));
            RunUntilAllEnded(loop);
            Assert.That(reading.Wait(SafetyNet), Is.True, "the peer received everything");

            byte[] received = reading.Result;
            Assert.Multiple(() =>
            {
                Assert.That(tail.State, Is.EqualTo(CoroutineState.Completed), tail.Exception?.ToString());
                Assert.That(trace.ToString(), Is.EqualTo("finally sent:4 finally"));
                Assert.That(received.AsSpan(0, big.Length).SequenceEqual(big), Is.True, "the canceled send finished, uncut");
                Assert.That(System.Text.Encoding.ASCII.GetString(received, big.Length, 4), Is.EqualTo("tail"), "and the next send followed it");
            });
        }

        static IEnumerator SendOnce(LoopSocket socket, byte[] data, Trace trace)
        {
            try
            {
                SocketWait<int> send = socket.WaitSend(data);
                yield return send;
                trace.Add($"sent:{send.Result}");
            }
            finally
            {
                trace.Add("finally");
            }
        }
    }

    [Test]
    public void BadInput_EmptyBufferNullEndpointDatagramSocket_ThrowClearly()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        using (var datagram = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            Assert.Multiple(() =>
            {
                Assert.That(() => server.WaitReceive(Memory<byte>.Empty), Throws.ArgumentException.With.Message.Contains("at least one byte"));
                Assert.That(() => server.WaitConnect(null!), Throws.ArgumentNullException);
                Assert.That(() => new LoopSocket(loop, datagram), Throws.ArgumentException.With.Message.Contains("stream socket"));
                Assert.That(() => new LoopSocket(null!, datagram), Throws.ArgumentNullException);
            });

            server.Dispose();
            Assert.That(() => server.WaitSend(new byte[1]), Throws.InstanceOf<ObjectDisposedException>());
        }
    }
}
