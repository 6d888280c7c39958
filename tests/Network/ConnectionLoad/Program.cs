using System.Globalization;
using System.Net;

namespace ConnectionLoad;

// ConnectionLoad: opens N connections to a server on loopback from one loop thread, holds them all open, does one
// round trip on each, and reports. It runs as its own process, so the server's process holds only its own end of
// each connection (10,000 connections need 10,000 descriptors on each side).
//
// usage: ConnectionLoad --port N [--connections 10000] [--protocol echo|http] [--connecting 1000]
internal static class Program
{
    private const string Usage = "usage: ConnectionLoad --port N [--connections 10000] [--protocol echo|http] [--connecting 1000]";

    private static int Main(string[] args)
    {
        int port = -1;
        int connections = 10_000;
        int connecting = 1_000;
        Protocol protocol = Protocol.Http;
        for (int i = 0; i < args.Length; i += 2)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool ok = (args[i], value) switch
            {
                ("--port", { } v) => int.TryParse(v, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535,
                ("--connections", { } v) => int.TryParse(v, CultureInfo.InvariantCulture, out connections) && connections > 0,
                ("--connecting", { } v) => int.TryParse(v, CultureInfo.InvariantCulture, out connecting) && connecting > 0,
                ("--protocol", { } v) => Enum.TryParse(v, ignoreCase: true, out protocol),
                _ => false,
            };
            if (!ok)
            {
                Console.Error.WriteLine($"bad argument '{args[i]}{(value is null ? "" : " " + value)}'");
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        if (port < 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var run = new LoadRun(new IPEndPoint(IPAddress.Loopback, port), protocol, connections, connecting);
        Console.WriteLine($"== {connections} {protocol.ToString().ToLowerInvariant()} connections to 127.0.0.1:{port}, from one loop thread ({connecting} connects in flight at most)");
        run.Execute();
        Console.WriteLine($"  connected:   {run.Connected} of {connections} in {Ms(run.ConnectTime)}");
        Console.WriteLine($"  round trips: {run.RoundTrips} of {connections} verified, all while every connection was open, in {Ms(run.RoundTripTime)}");
        Console.WriteLine($"  open at once (client side): {run.PeakOpen}");
        Console.WriteLine($"  failed:      {run.Failed}{(run.FirstError is { } error ? "; first: " + error : "")}");
        Console.WriteLine($"  total:       {Ms(run.Total)}");
        bool passed = run.Failed == 0 && run.RoundTrips == connections && run.PeakOpen == connections && !run.TimedOut;
        Console.WriteLine(passed ? "== OK" : "== FAILED");
        return passed ? 0 : 1;
    }

    private static string Ms(TimeSpan time) => $"{time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms";
}
