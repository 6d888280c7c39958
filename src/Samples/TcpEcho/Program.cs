using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Scheduler;

namespace Samples.TcpEcho;

// TcpEcho: a TCP echo server on one loop thread, and many clients on a second loop thread, in one program,
// on loopback only. The seed's "thousands of network connections without threads": every connection is a
// coroutine, every accept, connect, receive and send is a wait. `--clients 10000` raises the default 200.
// `--serve` runs the server alone until Ctrl+C, for a load client in another process (ConnectionLoad).
// The docs quote the code between the `// <snippet:NAME>` markers verbatim (DocSnippetTests checks them).
internal static class Program
{
    private const string Usage = "usage: TcpEcho [--clients N] [--messages M] [--concurrent C] | TcpEcho --serve";

    private static int Main(string[] args)
    {
        if (args is ["--serve"])
        {
            return Serve();
        }

        if (!Settings.TryParse(args, out Settings settings, out string? problem))
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var elapsed = Stopwatch.StartNew();
        Console.WriteLine("== Server: one loop thread");
        EchoServer server = EchoServer.Start(backlog: 4096);
        Console.WriteLine($"  listening on {server.EndPoint} (loopback, ephemeral port)");

        Console.WriteLine("== Clients: a second loop thread");
        Console.WriteLine($"  {settings.Clients} clients, {settings.Concurrent} connected at a time, {settings.Messages} messages each");
        if (settings.CapNote is { } note)
        {
            Console.WriteLine($"  note: {note}");
        }

        ClientRun run = ClientRun.Execute(server.EndPoint, settings);
        server.Stop();
        elapsed.Stop();

        ServerStats stats = server.Stats;
        Console.WriteLine("== Summary");
        Console.WriteLine($"  clients:  {run.Succeeded} of {settings.Clients} connected, echoed and verified; {run.Failed} failed");
        Console.WriteLine($"  messages: {run.Messages} echoed ({run.Bytes} bytes), every byte checked");
        Console.WriteLine($"  server:   {stats.Served} connections served by {stats.Threads.Count} thread, at most {stats.Peak} open at once");
        Console.WriteLine($"  server loop: {server.Rounds} rounds, {server.Steps} steps");
        Console.WriteLine($"  elapsed:  {elapsed.ElapsedMilliseconds} ms");
        if (run.FirstError is { } error)
        {
            Console.WriteLine($"  first failure: {error}");
        }

        Console.WriteLine("== Allocation per socket operation (steady state)");
        AllocationProbe.Run();

        bool ok = run.Failed == 0 && run.Succeeded == settings.Clients && stats.Served == settings.Clients
            && stats.Threads.Count == 1 && run.TimedOut is false;
        Console.WriteLine(ok ? "== OK" : "== FAILED");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// The server alone, on an ephemeral port, until Ctrl+C or SIGTERM. Run this way the server's process holds only its
    /// own end of each connection, so 10,000 connections fit under an open-file limit of 20,000
    /// (tests/Scheduler.Benchmarks/Network/connections.sh runs it with tests/Network/ConnectionLoad).
    /// </summary>
    private static int Serve()
    {
        EchoServer server = EchoServer.Start(backlog: 4096);
        using var stop = new ManualResetEventSlim();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // stop cleanly instead of being killed
            stop.Set();
        }

        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        Console.WriteLine($"listening on {server.EndPoint} (one loop thread); Ctrl+C stops");
        stop.Wait();

        server.StopNow();
        ServerStats stats = server.Stats;
        Console.WriteLine($"stopped: at most {stats.Peak} connections open at once, served by {stats.Threads.Count} thread(s); {stats.Served} closed by their clients before the stop; loop: {server.Rounds} rounds, {server.Steps} steps");
        return 0;
    }

    /// <summary>The server side: one loop, run by a thread of its own, an acceptor coroutine and one coroutine per connection.</summary>
    private sealed class EchoServer
    {
        private readonly EventLoop _loop;
        private Coroutine? _acceptor;
        private Thread? _thread;

        private EchoServer(EventLoop loop, IPEndPoint endPoint)
        {
            _loop = loop;
            EndPoint = endPoint;
        }

        public IPEndPoint EndPoint { get; }

        public ServerStats Stats { get; } = new();

        public long Rounds => _loop.TickCount;

        public long Steps => _loop.StepCount;

        // <snippet:TcpEchoServerThread>
        public static EchoServer Start(int backlog)
        {
            var loop = new EventLoop();
            LoopSocket listener = LoopSocket.ListenTcp(loop, new IPEndPoint(IPAddress.Loopback, 0), backlog);
            var server = new EchoServer(loop, (IPEndPoint)listener.Socket.LocalEndPoint!);
            server._acceptor = loop.Spawn(Serve(listener, server.Stats), "acceptor");
            server._thread = new Thread(() => loop.Run()) { Name = "server loop" }; // Run returns once no coroutine is left
            server._thread.Start();
            return server;
        }

        public void Stop()
        {
            _acceptor!.Cancel();  // safe from any thread: the acceptor's 'using' closes the listener
            _thread!.Join();      // the connection coroutines end as their clients close
            _loop.Dispose();
        }
        // </snippet:TcpEchoServerThread>

        /// <summary>Serve mode's stop: cancels every coroutine, open connections included, then waits for the loop thread.</summary>
        public void StopNow()
        {
            _loop.Post(() => _loop.CancelAll()); // Post is safe from any thread; CancelAll runs on the loop thread
            _thread!.Join();
            _loop.Dispose();
        }

        // <snippet:TcpEchoServe>
        private static IEnumerator Serve(LoopSocket listener, ServerStats stats)
        {
            using (listener)
            {
                while (true)
                {
                    SocketWait<LoopSocket> accept = listener.WaitAccept();
                    yield return accept;                                 // resumes once a client has connected
                    listener.Loop.Spawn(Echo(accept.Result, stats));     // one coroutine per connection
                }
            }
        }

        private static IEnumerator Echo(LoopSocket connection, ServerStats stats)
        {
            using (connection)
            {
                stats.Opened();
                connection.Socket.NoDelay = true;                        // echo small messages at once
                byte[] buffer = new byte[1024];
                while (true)
                {
                    SocketWait<int> receive = connection.WaitReceive(buffer);
                    yield return receive;                                // resumes when bytes, or the end, arrived
                    if (receive.Result == 0)
                    {
                        break;                                           // 0 bytes: the client closed its side
                    }

                    yield return connection.WaitSend(buffer.AsMemory(0, receive.Result));
                }

                stats.Closed();
            }
        }
        // </snippet:TcpEchoServe>
    }

    /// <summary>Counters of the server loop: written on its thread only, read after that thread has ended.</summary>
    private sealed class ServerStats
    {
        private int _open;

        public int Served { get; private set; }

        public int Peak { get; private set; }

        public HashSet<int> Threads { get; } = [];

        public void Opened()
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            Peak = Math.Max(Peak, ++_open);
        }

        public void Closed()
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            _open--;
            Served++;
        }
    }

    /// <summary>The client side: a second loop on the main thread, with a fixed number of workers taking clients in turn.</summary>
    private sealed class ClientRun
    {
        private static readonly TimeSpan s_echoTimeout = TimeSpan.FromSeconds(10);
        private int _next;

        private ClientRun(IPEndPoint server, Settings settings)
        {
            Server = server;
            Settings = settings;
        }

        public IPEndPoint Server { get; }

        public Settings Settings { get; }

        public int Succeeded { get; private set; }

        public int Failed { get; private set; }

        public long Messages { get; private set; }

        public long Bytes { get; private set; }

        public bool TimedOut { get; private set; }

        public string? FirstError { get; private set; }

        public static ClientRun Execute(IPEndPoint server, Settings settings)
        {
            var run = new ClientRun(server, settings);
            using var loop = new EventLoop();
            for (int w = 0; w < settings.Concurrent; w++)
            {
                loop.Spawn(run.Worker(loop), $"worker {w}");
            }

            using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            loop.Run(safetyNet.Token);                  // returns once every worker has ended
            run.TimedOut = safetyNet.IsCancellationRequested;
            return run;
        }

        private IEnumerator Worker(EventLoop loop)
        {
            while (_next < Settings.Clients)
            {
                int id = _next++;
                Coroutine client = loop.Spawn(Client(loop, Server, id, Settings.Messages), $"client {id}");
                yield return Wait.Settled(client);      // a failed client is counted, not fatal
                if (client.State == CoroutineState.Completed)
                {
                    Succeeded++;
                }
                else
                {
                    Failed++;
                    FirstError ??= $"{client}: {client.Exception?.Message ?? client.State.ToString()}";
                }
            }
        }

        // <snippet:TcpEchoClient>
        private IEnumerator Client(EventLoop loop, IPEndPoint server, int id, int messages)
        {
            using LoopSocket connection = LoopSocket.CreateTcp(loop);
            connection.Socket.NoDelay = true;
            yield return connection.WaitConnect(server);
            byte[] echo = new byte[64];
            for (int m = 0; m < messages; m++)
            {
                byte[] message = Encoding.ASCII.GetBytes($"client {id} says {m}");
                yield return connection.WaitSend(message);

                int received = 0;
                while (received < message.Length)
                {
                    SocketWait<int> receive = connection.WaitReceive(echo.AsMemory(received));
                    AnyWait first = Wait.Any(receive, Wait.For(s_echoTimeout));
                    yield return first;                                  // the echo, or the timeout
                    if (first.FiredIndex == 1)
                    {
                        throw new TimeoutException($"no echo within {s_echoTimeout.TotalSeconds} s");
                    }

                    if (receive.Result == 0)
                    {
                        throw new IOException("the server closed the connection before echoing");
                    }

                    received += receive.Result;
                }

                if (!echo.AsSpan(0, received).SequenceEqual(message))
                {
                    throw new InvalidDataException($"expected '{Encoding.ASCII.GetString(message)}', got '{Encoding.ASCII.GetString(echo, 0, received)}'");
                }

                Messages++;
                Bytes += received;
            }

            connection.Socket.Shutdown(SocketShutdown.Send);             // tell the server we are done
            SocketWait<int> end = connection.WaitReceive(echo);
            yield return end;                                            // and see it close in turn: 0 bytes
            if (end.Result != 0)
            {
                throw new InvalidDataException("the server sent more than it was sent");
            }
        }
        // </snippet:TcpEchoClient>
    }

    /// <summary>Measures the bytes a steady-state receive or send allocates: an echo ping-pong between two coroutines of one loop.</summary>
    private static class AllocationProbe
    {
        private const int WarmUp = 500;
        private const int Measured = 5_000;

        public static void Run()
        {
            using var loop = new EventLoop();
            using LoopSocket listener = LoopSocket.ListenTcp(loop, new IPEndPoint(IPAddress.Loopback, 0));
            var endPoint = (IPEndPoint)listener.Socket.LocalEndPoint!;
            var result = new long[2]; // operations, bytes
            loop.Spawn(EchoOne(listener), "echo");
            loop.Spawn(PingPong(loop, endPoint, result), "ping-pong");
            loop.Run();
            Console.WriteLine(
                $"  {result[0]} receives and sends (64-byte messages, both ends) allocated {result[1]} bytes in the whole process: " +
                $"{((double)result[1] / result[0]).ToString("F3", CultureInfo.InvariantCulture)} bytes per operation");
        }

        private static IEnumerator EchoOne(LoopSocket listener)
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
                if (receive.Result == 0)
                {
                    yield break;
                }

                yield return connection.WaitSend(buffer.AsMemory(0, receive.Result));
            }
        }

        private static IEnumerator PingPong(EventLoop loop, IPEndPoint endPoint, long[] result)
        {
            using LoopSocket connection = LoopSocket.CreateTcp(loop);
            connection.Socket.NoDelay = true;
            yield return connection.WaitConnect(endPoint);
            byte[] message = new byte[64];
            byte[] echo = new byte[64];
            long before = 0;
            long operations = 0;
            for (int round = 0; round < WarmUp + Measured; round++)
            {
                if (round == WarmUp)
                {
                    before = GC.GetTotalAllocatedBytes(precise: true);
                    operations = 0;
                }

                yield return connection.WaitSend(message);
                operations += 2; // this send, and the server's receive of it
                int read = 0;
                while (read < echo.Length)
                {
                    SocketWait<int> receive = connection.WaitReceive(echo.AsMemory(read));
                    yield return receive;
                    operations += 2; // this receive, and the server's send it received
                    read += receive.Result;
                }
            }

            result[1] = GC.GetTotalAllocatedBytes(precise: true) - before;
            result[0] = operations;
        }
    }

    private readonly record struct Settings(int Clients, int Messages, int Concurrent, string? CapNote)
    {
        public static bool TryParse(string[] args, out Settings settings, out string? problem)
        {
            int clients = 200;
            int messages = 5;
            int? concurrent = null;
            settings = default;
            for (int i = 0; i < args.Length; i++)
            {
                bool known = args[i] is "--clients" or "--messages" or "--concurrent";
                if (!known || i + 1 == args.Length || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int value) || value < 1)
                {
                    problem = known ? $"{args[i]} needs a positive number" : $"unknown argument '{args[i]}'";
                    return false;
                }

                switch (args[i++])
                {
                    case "--clients":
                        clients = value;
                        break;
                    case "--messages":
                        messages = value;
                        break;
                    default:
                        concurrent = value;
                        break;
                }
            }

            // Both ends of every connection live in this process: each open connection costs two descriptors.
            int wanted = Math.Min(concurrent ?? clients, clients);
            int limit = OpenFileLimit();
            int affordable = Math.Max(1, (limit - 256) / 2);
            string? note = wanted > affordable
                ? $"{affordable} at a time, not {wanted}: the open-file limit is {limit} and both ends of a connection live in this process"
                : null;
            settings = new Settings(clients, messages, Math.Min(wanted, affordable), note);
            problem = null;
            return true;
        }

        /// <summary>The soft limit on open files, from /proc/self/limits on Linux; unlimited elsewhere.</summary>
        private static int OpenFileLimit()
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/self/limits"))
                {
                    if (line.StartsWith("Max open files", StringComparison.Ordinal))
                    {
                        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        return int.TryParse(fields[3], CultureInfo.InvariantCulture, out int soft) ? soft : int.MaxValue;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }

            return int.MaxValue;
        }
    }
}
