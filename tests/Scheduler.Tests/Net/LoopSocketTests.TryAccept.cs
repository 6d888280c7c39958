using System.Net;
using System.Net.Sockets;
using Scheduler.Tests.Support;
using static Scheduler.Tests.Net.SocketTestSupport;

namespace Scheduler.Tests.Net;

/// <summary>TryAccept: a server drains a burst of queued connects in one step instead of one per round.</summary>
public partial class LoopSocketTests
{
    [Test]
    public void TryAccept_AfterWaitAcceptWithThreeConnectsQueued_TakesTheOtherTwoInTheSameStep()
    {
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        var endpoint = (IPEndPoint)listener.Socket.LocalEndPoint!;
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                client.Connect(endpoint); // completes in the kernel's accept queue; nobody has accepted yet
            }

            var trace = new Trace();
            Coroutine? acceptor = null;
            acceptor = loop.Spawn(Drain(), "acceptor");
            RunUntilAllEnded(loop);

            Assert.Multiple(() =>
            {
                Assert.That(acceptor.State, Is.EqualTo(CoroutineState.Completed), acceptor.Exception?.ToString());
                Assert.That(trace.ToString(), Is.EqualTo("waited 1 tried 2 then none, in 1 step"));
            });

            IEnumerator Drain()
            {
                SocketWait<LoopSocket> accept = listener.WaitAccept();
                yield return accept;
                var accepted = new List<LoopSocket> { accept.Result };
                long step = acceptor!.Steps;
                while (listener.TryAccept(out LoopSocket? more))
                {
                    accepted.Add(more);
                }

                trace.Add($"waited 1 tried {accepted.Count - 1} then none, in {acceptor.Steps - step + 1} step");
                foreach (LoopSocket socket in accepted)
                {
                    socket.Dispose();
                }
            }
        }
        finally
        {
            clients.ForEach(static c => c.Dispose());
        }
    }

    [Test]
    public void TryAccept_WhileAnotherCoroutineWaitsToAccept_ReturnsFalseAndNeverOvertakesIt()
    {
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        var endpoint = (IPEndPoint)listener.Socket.LocalEndPoint!;
        var trace = new Trace();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Coroutine waiter = loop.Spawn(WaitForOne(), "waiter");
        loop.Spawn(TryWhileItWaits(), "trier");
        RunUntilAllEnded(loop);

        Assert.Multiple(() =>
        {
            Assert.That(waiter.State, Is.EqualTo(CoroutineState.Completed), waiter.Exception?.ToString());
            // The waiter may take the connection before or after the try, but the try never takes it.
            Assert.That(trace.ToString(), Is.EqualTo("try:False waiter:accepted").Or.EqualTo("waiter:accepted try:False"));
        });

        IEnumerator WaitForOne()
        {
            SocketWait<LoopSocket> accept = listener.WaitAccept();
            yield return accept;
            accept.Result.Dispose();
            trace.Add("waiter:accepted");
        }

        IEnumerator TryWhileItWaits()
        {
            yield return null; // the waiter is parked in WaitAccept by now
            client.Connect(endpoint);
            yield return Wait.For(TimeSpan.FromMilliseconds(20)); // the connect is queued, or already accepted for the waiter
            trace.Add($"try:{listener.TryAccept(out LoopSocket? stolen)}");
            stolen?.Dispose();
        }
    }
}
