using System.Net;
using System.Net.Sockets;
using System.Text;
using static Scheduler.Tests.Net.SocketTestSupport;

namespace Scheduler.Tests.Net;

/// <summary>
/// One loop thread, many connections: the "thousands of connections without threads", bounded to a
/// thousand to keep the suite fast, and the steady-state allocation of a socket operation. Loopback only.
/// </summary>
public class LoopSocketLoadTests
{
    [Test]
    public async Task OneLoopThread_1000ConcurrentConnections_EchoesEveryOneOnTheLoopThread()
    {
        const int Connections = 1000;
        const int MessagesEach = 3;
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort, backlog: Connections);
        var endpoint = (IPEndPoint)listener.Socket.LocalEndPoint!;

        // Loop-owned: written by coroutines on the loop thread, read by the test after the loop thread ended.
        int active = 0;
        int peak = 0;
        int served = 0;
        var resumedOn = new HashSet<int>();

        Coroutine acceptor = loop.Spawn(Serve(), "acceptor");
        using var safetyNet = new CancellationTokenSource(SafetyNet);
        Exception? runFault = null;
        var runner = new Thread(() =>
        {
            try
            {
                loop.Run(safetyNet.Token); // returns once the acceptor and every handler have ended
            }
            catch (Exception ex)
            {
                runFault = ex;
            }
        })
        {
            IsBackground = true,
            Name = "socket loop",
        };
        runner.Start();

        // Clients on the test side, with the runtime's own async sockets: all connect, all echo, then all close,
        // so the server holds every connection at once.
        var clients = new Socket[Connections];
        string[] echoes = new string[Connections];
        try
        {
            for (int i = 0; i < Connections; i++)
            {
                clients[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }

            await Task.WhenAll(clients.Select(c => c.ConnectAsync(endpoint, safetyNet.Token).AsTask()));
            await Task.WhenAll(clients.Select((c, i) => EchoSeveral(c, i)));
        }
        finally
        {
            foreach (Socket? client in clients)
            {
                client?.Dispose();
            }
        }

        Assert.That(runner.Join(SafetyNet), Is.True, "the loop thread ended");
        Assert.Multiple(() =>
        {
            Assert.That(runFault, Is.Null);
            Assert.That(safetyNet.IsCancellationRequested, Is.False, "Run ended because every coroutine ended, not by the safety net");
            Assert.That(acceptor.State, Is.EqualTo(CoroutineState.Completed), acceptor.Exception?.ToString());
            Assert.That(echoes, Is.EqualTo(Enumerable.Range(0, Connections).Select(Messages)), "every client got its own messages back, in order");
            Assert.That(served, Is.EqualTo(Connections));
            Assert.That(peak, Is.EqualTo(Connections), "all connections were open on the server at the same time");
            Assert.That(resumedOn, Is.EquivalentTo(new[] { runner.ManagedThreadId }), "every coroutine ran on the one loop thread");
        });

        async Task EchoSeveral(Socket client, int index)
        {
            var received = new StringBuilder();
            for (int m = 0; m < MessagesEach; m++)
            {
                byte[] message = Encoding.ASCII.GetBytes(Message(index, m));
                await client.SendAsync(message, SocketFlags.None, safetyNet.Token);
                byte[] echo = new byte[message.Length];
                int read = 0;
                while (read < echo.Length)
                {
                    int n = await client.ReceiveAsync(echo.AsMemory(read), SocketFlags.None, safetyNet.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                received.Append(Encoding.ASCII.GetString(echo, 0, read));
            }

            echoes[index] = received.ToString();
        }

        IEnumerator Serve()
        {
            for (int i = 0; i < Connections; i++)
            {
                SocketWait<LoopSocket> accept = listener.WaitAccept();
                yield return accept;
                resumedOn.Add(Environment.CurrentManagedThreadId);
                loop.Spawn(Handle(accept.Result), $"connection {i}");
            }
        }

        IEnumerator Handle(LoopSocket connection)
        {
            using (connection)
            {
                peak = Math.Max(peak, ++active);
                byte[] buffer = new byte[64];
                while (true)
                {
                    SocketWait<int> receive = connection.WaitReceive(buffer);
                    yield return receive;
                    resumedOn.Add(Environment.CurrentManagedThreadId);
                    if (receive.Result == 0)
                    {
                        break;
                    }

                    yield return connection.WaitSend(buffer.AsMemory(0, receive.Result));
                }

                active--;
                served++;
            }
        }

        static string Message(int index, int m) => $"client {index:D4} says {m};";

        static string Messages(int index) => string.Concat(Enumerable.Range(0, MessagesEach).Select(m => Message(index, m)));
    }

    [Test]
    public void EchoPingPong_SteadyState_AllocatesNothingPerSocketOperation()
    {
        const int WarmUp = 500;
        const int Window = 2_000; // round trips per measured window
        const int Windows = 3;
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        var endpoint = (IPEndPoint)listener.Socket.LocalEndPoint!;
        long operations = 0;
        var perWindow = new List<double>();

        loop.Spawn(CountingEcho(), "server");
        Coroutine client = loop.Spawn(PingPong(), "client");
        RunUntilAllEnded(loop);

        Assert.That(client.State, Is.EqualTo(CoroutineState.Completed), client.Exception?.ToString());
        TestContext.Out.WriteLine(
            $"bytes allocated in the whole process per socket operation (receives and sends, both ends, one loop), {Windows} windows of {4 * Window} operations: " +
            string.Join(", ", perWindow.Select(b => b.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));

        // GC.GetTotalAllocatedBytes counts the whole process (completions run on I/O threads), so the test host's own
        // threads count too; the quietest window is the measurement, with a few bytes per operation of slack.
        Assert.That(perWindow.Min(), Is.LessThan(2.0), "a steady-state receive or send allocates nothing");

        IEnumerator CountingEcho()
        {
            SocketWait<LoopSocket> accept = listener.WaitAccept();
            yield return accept;
            using LoopSocket connection = accept.Result;
            connection.Socket.NoDelay = true;
            byte[] buffer = new byte[256];
            while (true)
            {
                SocketWait<int> receive = connection.WaitReceive(buffer);
                yield return receive;
                operations++;
                if (receive.Result == 0)
                {
                    yield break;
                }

                yield return connection.WaitSend(buffer.AsMemory(0, receive.Result));
                operations++;
            }
        }

        IEnumerator PingPong()
        {
            using LoopSocket connection = LoopSocket.CreateTcp(loop);
            connection.Socket.NoDelay = true;
            yield return connection.WaitConnect(endpoint);
            byte[] message = Pattern(64);
            byte[] echo = new byte[64];
            long allocatedBefore = 0;
            for (int round = 0; round < WarmUp + (Windows * Window); round++)
            {
                if (round >= WarmUp && (round - WarmUp) % Window == 0)
                {
                    if (round > WarmUp)
                    {
                        perWindow.Add((double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / operations);
                    }

                    operations = 0;
                    allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                }

                yield return connection.WaitSend(message);
                operations++;
                int read = 0;
                while (read < echo.Length)
                {
                    SocketWait<int> receive = connection.WaitReceive(echo.AsMemory(read));
                    yield return receive;
                    operations++;
                    read += receive.Result;
                }
            }

            perWindow.Add((double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / operations);
        }
    }
}
