using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Scheduler;

namespace ConnectionLoad;

/// <summary>What a round trip sends and how its answer is checked.</summary>
internal enum Protocol
{
    /// <summary>Send a line, expect the same bytes back (src/Samples/TcpEcho).</summary>
    Echo,

    /// <summary>Send GET /, expect a 200 with "Hello, World!" (src/Samples/HttpHello and its peers).</summary>
    Http,
}

/// <summary>
/// Opens <see cref="Connections"/> connections from one loop thread, all at once, and proves the server holds them
/// all: phase 1 connects every client (at most <see cref="Connecting"/> connects in flight, so the server's accept
/// queue never overflows); once all are connected, phase 2 does one round trip on each, all at the same time; once
/// every round trip is done, they all close. So every round trip of phase 2 ran while every connection was open.
/// </summary>
internal sealed class LoadRun(IPEndPoint server, Protocol protocol, int connections, int connecting)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] s_httpRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray();
    private readonly Stopwatch _clock = new();
    private int _settledConnects;
    private int _settledTrips;
    private int _open;

    public int Connections => connections;

    public int Connecting => connecting;

    public int Connected { get; private set; }

    public int RoundTrips { get; private set; }

    public int Failed { get; private set; }

    public int PeakOpen { get; private set; }

    public string? FirstError { get; private set; }

    public TimeSpan ConnectTime { get; private set; }

    public TimeSpan RoundTripTime { get; private set; }

    public TimeSpan Total { get; private set; }

    public bool TimedOut { get; private set; }

    /// <summary>Runs the whole load on the calling thread and returns when every client has ended (or after two minutes).</summary>
    public void Execute()
    {
        using var loop = new EventLoop();
        var connectSlots = new CoroutineSemaphore(loop, connecting, name: "connect slots");
        var allConnected = new Signal(loop, name: "all connected");
        var allAnswered = new Signal(loop, name: "all answered");
        _clock.Start();
        for (int id = 0; id < connections; id++)
        {
            Coroutine client = loop.Spawn(Client(loop, id, connectSlots, allConnected, allAnswered), $"client {id}");
            loop.Spawn(Count(client, allConnected, allAnswered));
        }

        using var safetyNet = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        loop.Run(safetyNet.Token);
        TimedOut = safetyNet.IsCancellationRequested;
        Total = _clock.Elapsed;
    }

    private IEnumerator Client(EventLoop loop, int id, CoroutineSemaphore connectSlots, Signal allConnected, Signal allAnswered)
    {
        using LoopSocket socket = LoopSocket.CreateTcp(loop);
        socket.Socket.NoDelay = true;
        yield return connectSlots.Wait();
        try
        {
            TimeoutWait connect = socket.WaitConnect(server).WithTimeout(s_timeout);
            yield return connect;
            if (connect.TimedOut)
            {
                throw new TimeoutException($"not connected within {s_timeout.TotalSeconds} s");
            }
        }
        finally
        {
            connectSlots.Release();
        }

        Connected++;
        PeakOpen = Math.Max(PeakOpen, ++_open);
        try
        {
            SettleConnect(allConnected);
            yield return allConnected.Wait();                      // phase 2 starts when every client is connected

            byte[] request = protocol == Protocol.Http ? s_httpRequest : Encoding.ASCII.GetBytes($"client {id} echo\n");
            yield return socket.WaitSend(request);
            byte[] answer = new byte[256];
            int received = 0;
            while (!IsComplete(answer.AsSpan(0, received), request))
            {
                if (received == answer.Length)
                {
                    throw new InvalidDataException($"an answer longer than {answer.Length} bytes: {Show(answer, received)}");
                }

                SocketWait<int> receive = socket.WaitReceive(answer.AsMemory(received));
                TimeoutWait timed = receive.WithTimeout(s_timeout);
                yield return timed;
                if (timed.TimedOut)
                {
                    throw new TimeoutException($"no complete answer within {s_timeout.TotalSeconds} s: {Show(answer, received)}");
                }

                if (receive.Result == 0)
                {
                    throw new IOException($"the server closed the connection after {received} bytes: {Show(answer, received)}");
                }

                received += receive.Result;
            }

            Check(answer.AsSpan(0, received), request);
            RoundTrips++;
            SettleTrip(allAnswered);
            yield return allAnswered.Wait();                       // close only once every round trip is done
        }
        finally
        {
            _open--;
        }
    }

    /// <summary>Counts a failed client, and keeps the phases going without it.</summary>
    private IEnumerator Count(Coroutine client, Signal allConnected, Signal allAnswered)
    {
        yield return Wait.Settled(client);
        if (client.State != CoroutineState.Completed)
        {
            Failed++;
            FirstError ??= $"{client.Name}: {client.Exception?.GetType().Name}: {client.Exception?.Message ?? client.State.ToString()}";
            if (!allConnected.IsSet)
            {
                SettleConnect(allConnected);
            }

            SettleTrip(allAnswered);
        }
    }

    private void SettleConnect(Signal allConnected)
    {
        if (++_settledConnects == connections)
        {
            ConnectTime = _clock.Elapsed;
            allConnected.Set();
        }
    }

    private void SettleTrip(Signal allAnswered)
    {
        if (++_settledTrips == connections)
        {
            RoundTripTime = _clock.Elapsed - ConnectTime;
            allAnswered.Set();
        }
    }

    private bool IsComplete(ReadOnlySpan<byte> answer, byte[] request)
    {
        if (protocol == Protocol.Echo)
        {
            return answer.Length >= request.Length;
        }

        int end = answer.IndexOf("\r\n\r\n"u8);
        return end >= 0 && answer.Length >= end + 4 + ContentLength(answer[..end]);
    }

    private void Check(ReadOnlySpan<byte> answer, byte[] request)
    {
        bool ok = protocol == Protocol.Echo
            ? answer.SequenceEqual(request)
            : answer.StartsWith("HTTP/1.1 200 OK\r\n"u8) && answer.EndsWith("\r\n\r\nHello, World!"u8);
        if (!ok)
        {
            throw new InvalidDataException($"unexpected answer: {Show(answer.ToArray(), answer.Length)}");
        }
    }

    private static int ContentLength(ReadOnlySpan<byte> head)
    {
        string text = Encoding.ASCII.GetString(head);
        foreach (string line in text.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException($"an answer without Content-Length: {text}");
    }

    private static string Show(byte[] bytes, int count) => $"'{Encoding.ASCII.GetString(bytes, 0, count).ReplaceLineEndings("\\n")}'";
}
