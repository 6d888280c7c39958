using System.Net;
using System.Net.Sockets;

namespace Scheduler.Tests.Net;

/// <summary>Loopback plumbing for the socket tests: ephemeral ports only, everything disposed by the caller.</summary>
internal static class SocketTestSupport
{
    /// <summary>Only for runs that would otherwise hang a broken build; never an oracle.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(10);

    public static IPEndPoint AnyLoopbackPort => new(IPAddress.Loopback, 0);

    /// <summary>A connected pair: the server end wrapped for <paramref name="loop"/>, the client end a plain blocking socket.</summary>
    public static (LoopSocket Server, Socket Client) ConnectedPair(EventLoop loop)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(AnyLoopbackPort);
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        Socket accepted = listener.Accept();
        return (new LoopSocket(loop, accepted), client);
    }

    /// <summary>Runs the loop on this thread until no coroutine is alive; fails (instead of hanging) after the safety net.</summary>
    public static void RunUntilAllEnded(EventLoop loop)
    {
        using var safetyNet = new CancellationTokenSource(SafetyNet);
        loop.Run(safetyNet.Token);
        Assert.That(safetyNet.IsCancellationRequested, Is.False, $"the coroutines were still alive after {SafetyNet}: {loop.LiveCount} live");
    }

    /// <summary>Sends all of <paramref name="data"/> from a plain blocking socket.</summary>
    public static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data)..];
        }
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes on a plain blocking socket.</summary>
    public static byte[] ReceiveExactly(Socket socket, int count)
    {
        byte[] data = new byte[count];
        socket.ReceiveTimeout = (int)SafetyNet.TotalMilliseconds;
        int read = 0;
        while (read < count)
        {
            int n = socket.Receive(data.AsSpan(read));
            if (n == 0)
            {
                throw new InvalidOperationException($"end of stream after {read} of {count} bytes");
            }

            read += n;
        }

        return data;
    }

    /// <summary>A deterministic pattern, so a test can check every byte.</summary>
    public static byte[] Pattern(int length, int seed = 7)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 31) + seed + (i >> 8));
        }

        return data;
    }
}
