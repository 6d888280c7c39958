using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace Samples.HttpHello;

// HttpHello: a minimal HTTP/1.1 keep-alive server on one loop thread, enough for a load tool such as wrk. Every
// connection is a coroutine; accept, receive and send are waits on a LoopSocket. With no arguments it starts on
// 127.0.0.1 (an ephemeral port), checks itself with a client on a second loop, and exits. `--serve [--port N]`
// serves until Ctrl+C. The protocol lives in HttpParser.cs (request heads), HttpResponses.cs (prepared answers) and
// HttpConnection.cs (one connection's coroutine); HttpServer.cs runs the loop.
internal static class Program
{
    private const string Usage = "usage: HttpHello [--serve [--port N]]";
    private const int DefaultPort = 8080;
    private const int Backlog = 4096;

    private static int Main(string[] args)
    {
        if (!TryParse(args, out bool serve, out int port, out string? problem))
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        return serve ? Serve(port) : Check();
    }

    private static int Check()
    {
        Console.WriteLine("== Server: one loop thread");
        HttpServer server = HttpServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Backlog);
        Console.WriteLine($"  listening on http://{server.EndPoint}/ (loopback, ephemeral port)");

        Console.WriteLine("== Conversations: a client on a second loop thread, one connection each, all at once");
        bool ok = SelfCheck.Run(server.EndPoint);

        Console.WriteLine("== Burst");
        ok &= SelfCheck.Burst(server.EndPoint, clients: 100, requests: 20);

        server.Stop();
        Console.WriteLine("== Server summary");
        Console.WriteLine($"  {server.Stats}");
        Console.WriteLine($"  loop: {server.LoopCounters}");
        ok &= server.Stats.Threads.Count == 1;
        Console.WriteLine(ok ? "== OK" : "== FAILED");
        return ok ? 0 : 1;
    }

    private static int Serve(int port)
    {
        HttpServer server = HttpServer.Start(new IPEndPoint(IPAddress.Loopback, port), Backlog);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var stop = new ManualResetEventSlim();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // stop cleanly instead of being killed
            stop.Set();
        }

        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        Console.WriteLine($"listening on http://{server.EndPoint}/ (one loop thread); Ctrl+C stops");
        stop.Wait();

        server.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long requests = Math.Max(1, server.Stats.Requests);
        Console.WriteLine($"stopped: {server.Stats}");
        Console.WriteLine($"loop: {server.LoopCounters}");
        Console.WriteLine($"allocated while serving: {allocated} bytes in the whole process, {((double)allocated / requests).ToString("F1", CultureInfo.InvariantCulture)} per request (connections included)");
        return 0;
    }

    private static bool TryParse(string[] args, out bool serve, out int port, out string? problem)
    {
        serve = false;
        port = DefaultPort;
        problem = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--serve":
                    serve = true;
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int value) && value is >= 0 and <= 65535:
                    port = value;
                    i++;
                    break;
                case "--port":
                    problem = "--port needs a number from 0 to 65535";
                    return false;
                default:
                    problem = $"unknown argument '{args[i]}'";
                    return false;
            }
        }

        if (!serve && args.Length > 0)
        {
            problem = "--port goes with --serve";
            return false;
        }

        return true;
    }
}
