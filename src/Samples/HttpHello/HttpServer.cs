using System.Collections;
using System.Net;
using Scheduler;

namespace Samples.HttpHello;

/// <summary>
/// The server: one loop, run by a thread of its own, with an acceptor coroutine, a coroutine that keeps the Date
/// field current, and one <see cref="HttpConnection"/> coroutine per connection.
/// </summary>
internal sealed class HttpServer
{
    private readonly EventLoop _loop;
    private readonly Thread _thread;

    private HttpServer(EventLoop loop, IPEndPoint endPoint)
    {
        _loop = loop;
        EndPoint = endPoint;
        _thread = new Thread(() => loop.Run()) { Name = "http loop" }; // Run returns once no coroutine is left
    }

    /// <summary>Where the server listens (the port is the one the system picked when asked for port 0).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server's counters; read them after <see cref="Stop"/>.</summary>
    public HttpServerStats Stats { get; } = new();

    /// <summary>Listens on <paramref name="endPoint"/> and starts the loop thread.</summary>
    /// <param name="endPoint">Where to listen; port 0 picks a free port.</param>
    /// <param name="backlog">Connections the system may queue before they are accepted.</param>
    /// <param name="maxHeadSize">The largest request head accepted, in bytes; longer ones get 431.</param>
    /// <returns>The running server.</returns>
    // <snippet:HttpHelloServer>
    public static HttpServer Start(IPEndPoint endPoint, int backlog, int maxHeadSize = HttpParser.DefaultMaxHeadSize)
    {
        var loop = new EventLoop();
        LoopSocket listener = LoopSocket.ListenTcp(loop, endPoint, backlog);
        var server = new HttpServer(loop, (IPEndPoint)listener.Socket.LocalEndPoint!);
        var responses = new HttpResponses(loop.Clock.GetUtcNow());
        loop.UnobservedFault += (_, _) => server.Stats.Fault(); // a client's reset faults its connection: count it
        loop.Spawn(Accept(listener, responses, server.Stats, maxHeadSize), "acceptor");
        loop.Spawn(KeepDate(loop, responses), "date");
        server._thread.Start();
        return server;
    }

    private static IEnumerator Accept(LoopSocket listener, HttpResponses responses, HttpServerStats stats, int maxHeadSize)
    {
        using (listener)
        {
            while (true)
            {
                SocketWait<LoopSocket> accept = listener.WaitAccept();
                yield return accept;                                  // resumes once a client has connected
                LoopSocket? client = accept.Result;
                do
                {
                    var connection = new HttpConnection(client, responses, stats, maxHeadSize);
                    listener.Loop.Spawn(connection.Serve());          // one coroutine per connection
                }
                while (listener.TryAccept(out client));               // a burst of connects: take them all now
            }
        }
    }

    private static IEnumerator KeepDate(EventLoop loop, HttpResponses responses)
    {
        while (true)
        {
            DateTimeOffset now = loop.Clock.GetUtcNow();
            yield return Wait.For(TimeSpan.FromMilliseconds(1000 - now.Millisecond)); // until the next second
            responses.SetDate(loop.Clock.GetUtcNow());
        }
    }
    // </snippet:HttpHelloServer>

    /// <summary>Cancels every coroutine (their <c>using</c> blocks close the sockets), waits for the loop thread, disposes the loop.</summary>
    public void Stop()
    {
        _loop.Post(() => _loop.CancelAll()); // Post is safe from any thread; CancelAll runs on the loop thread
        _thread.Join();
        LoopCounters = $"{_loop.TickCount} rounds, {_loop.StepCount} steps";
        _loop.Dispose();
    }

    /// <summary>Rounds and steps the loop ran, for example "1200 rounds, 5400 steps"; set by <see cref="Stop"/>.</summary>
    public string LoopCounters { get; private set; } = "";
}
