using System.Collections;
using System.Diagnostics;
using System.Net;
using System.Text;
using Scheduler;

namespace Samples.HttpHello;

/// <summary>
/// The default run: a client on a second loop (the main thread) sends the server a few conversations, each on a
/// connection of its own, all at the same time, and checks every answer: keep-alive, pipelining, a request split
/// across sends, 404, "Connection: close", HTTP/1.0 with and without keep-alive, a body to skip, malformed input and
/// an oversized head. Then a short burst of keep-alive clients.
/// </summary>
internal static class SelfCheck
{
    private static readonly TimeSpan s_answerTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs every check against <paramref name="server"/> and prints one line per check.</summary>
    /// <param name="server">Where the server listens.</param>
    /// <returns>Whether every check passed.</returns>
    public static bool Run(IPEndPoint server)
    {
        Conversation[] conversations = Conversations();
        var results = new string?[conversations.Length];
        using (var loop = new EventLoop())
        {
            for (int i = 0; i < conversations.Length; i++)
            {
                int index = i;
                Coroutine talk = loop.Spawn(Talk(loop, server, conversations[i]), conversations[i].Name);
                loop.Spawn(Report(talk, problem => results[index] = problem));
            }

            using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            loop.Run(safetyNet.Token);
        }

        bool ok = true;
        for (int i = 0; i < conversations.Length; i++)
        {
            Console.WriteLine($"  {(results[i] is null ? "ok    " : "FAILED")} {conversations[i].Name}{(results[i] is { } problem ? ": " + problem : "")}");
            ok &= results[i] is null;
        }

        return ok;
    }

    /// <summary>Runs <paramref name="clients"/> keep-alive clients at once, each sending <paramref name="requests"/> requests one after another.</summary>
    /// <param name="server">Where the server listens.</param>
    /// <param name="clients">Connections open at the same time.</param>
    /// <param name="requests">Requests per connection.</param>
    /// <returns>Whether every answer was a 200 with the right body.</returns>
    public static bool Burst(IPEndPoint server, int clients, int requests)
    {
        var conversation = new Conversation(
            "burst",
            Enumerable.Repeat(new Exchange([Get("/")], [200]), requests).ToArray(),
            ClosesAfter: false);
        int failed = 0;
        string? first = null;
        var elapsed = Stopwatch.StartNew();
        using (var loop = new EventLoop())
        {
            for (int c = 0; c < clients; c++)
            {
                Coroutine talk = loop.Spawn(Talk(loop, server, conversation), $"client {c}");
                loop.Spawn(Report(talk, problem =>
                {
                    failed += problem is null ? 0 : 1;
                    first ??= problem;
                }));
            }

            using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            loop.Run(safetyNet.Token);
        }

        elapsed.Stop();
        Console.WriteLine($"  {clients} connections x {requests} keep-alive requests: {clients - failed} of {clients} clients got every answer right, in {elapsed.ElapsedMilliseconds} ms");
        if (first is not null)
        {
            Console.WriteLine($"  first failure: {first}");
        }

        return failed == 0;
    }

    private static Conversation[] Conversations()
    {
        const string host = "Host: localhost\r\n";
        byte[] big = Ascii($"GET / HTTP/1.1\r\n{host}X-Filler: {new string('a', HttpParser.DefaultMaxHeadSize)}\r\n\r\n");
        return
        [
            new("keep-alive: three requests one after another on one connection",
                [new([Get("/")], [200]), new([Get("/")], [200]), new([Get("/")], [200])], ClosesAfter: false),
            new("pipelining: three requests in one send, answered in order",
                [new([Ascii($"GET / HTTP/1.1\r\n{host}\r\nGET /missing HTTP/1.1\r\n{host}\r\nGET /?q=1 HTTP/1.1\r\n{host}\r\n")], [200, 404, 200])],
                ClosesAfter: false),
            new("a request split across four sends",
                [new([Ascii("GE"), Ascii("T / HT"), Ascii($"TP/1.1\r\n{host}"), Ascii("\r\n")], [200])], ClosesAfter: false),
            new("404 for another path", [new([Get("/index.html")], [404])], ClosesAfter: false),
            new("Connection: close is answered, then closed",
                [new([Ascii($"GET / HTTP/1.1\r\n{host}Connection: close\r\n\r\n")], [200])], ClosesAfter: true),
            new("HTTP/1.0 without keep-alive is answered, then closed",
                [new([Ascii("GET / HTTP/1.0\r\n\r\n")], [200])], ClosesAfter: true),
            new("HTTP/1.0 with Connection: keep-alive stays open",
                [new([Ascii("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")], [200]), new([Ascii("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")], [200])],
                ClosesAfter: false),
            new("a body (Content-Length) is skipped: POST / then GET / pipelined",
                [new([Ascii($"POST / HTTP/1.1\r\n{host}Content-Length: 5\r\n\r\nhello"), Get("/")], [405, 200])], ClosesAfter: false),
            new("malformed request line: 400, then closed",
                [new([Ascii("GET /\r\n\r\n")], [400])], ClosesAfter: true),
            new("HTTP/1.1 without Host: 400, then closed",
                [new([Ascii("GET / HTTP/1.1\r\n\r\n")], [400])], ClosesAfter: true),
            new($"a head over {HttpParser.DefaultMaxHeadSize} bytes: 431, then closed",
                [new([big], [431])], ClosesAfter: true),
        ];
    }

    private static byte[] Get(string path) => Ascii($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>Joins a conversation and reports its outcome: null when it passed, else what went wrong.</summary>
    private static IEnumerator Report(Coroutine talk, Action<string?> report)
    {
        yield return Wait.Settled(talk);
        report(talk.State == CoroutineState.Completed ? null : talk.Exception?.Message ?? talk.State.ToString());
    }

    /// <summary>One connection: each exchange sends its parts (pausing between them) and reads the answers it expects.</summary>
    private static IEnumerator Talk(EventLoop loop, IPEndPoint server, Conversation conversation)
    {
        using LoopSocket socket = LoopSocket.CreateTcp(loop);
        socket.Socket.NoDelay = true;
        yield return socket.WaitConnect(server);
        var reader = new ResponseReader();
        byte[] buffer = new byte[16 * 1024];
        foreach (Exchange exchange in conversation.Exchanges)
        {
            for (int p = 0; p < exchange.Parts.Length; p++)
            {
                if (p > 0)
                {
                    yield return Wait.For(s_pause); // so the server is likely to receive the parts separately
                }

                yield return socket.WaitSend(exchange.Parts[p]);
            }

            int expected = reader.Responses.Count + exchange.Statuses.Length;
            while (reader.Responses.Count < expected)
            {
                SocketWait<int> receive = socket.WaitReceive(buffer);
                AnyWait first = Wait.Any(receive, Wait.For(s_answerTimeout));
                yield return first;                                   // the answer, or the timeout
                if (first.FiredIndex == 1)
                {
                    throw new TimeoutException($"no complete answer within {s_answerTimeout.TotalSeconds} s; got {reader.Describe()}");
                }

                if (receive.Result == 0)
                {
                    throw new IOException($"the server closed the connection early; got {reader.Describe()}");
                }

                reader.Add(buffer.AsSpan(0, receive.Result));
            }

            int[] statuses = reader.Responses.Skip(expected - exchange.Statuses.Length).Select(r => r.Status).ToArray();
            if (!statuses.SequenceEqual(exchange.Statuses))
            {
                throw new InvalidDataException($"expected {string.Join(", ", exchange.Statuses)}, got {reader.Describe()}");
            }
        }

        if (reader.Responses.Find(r => r.Status == 200 && r.Body != "Hello, World!") is { } wrong)
        {
            throw new InvalidDataException($"a 200 came with the body '{wrong.Body}'");
        }

        if (conversation.ClosesAfter)
        {
            SocketWait<int> end = socket.WaitReceive(buffer);
            AnyWait first = Wait.Any(end, Wait.For(s_answerTimeout));
            yield return first;                                       // the server closes its side: 0 bytes
            if (first.FiredIndex == 1 || end.Result != 0)
            {
                throw new InvalidDataException("the server kept the connection open after an answer that closes it");
            }

            if (!reader.Responses[^1].Head.Contains("Connection: close\r\n", StringComparison.Ordinal))
            {
                throw new InvalidDataException("the answer that closes the connection lacks 'Connection: close'");
            }
        }
    }

    /// <summary>What a client sends at once (in parts, paused between) and the statuses it expects back.</summary>
    private sealed record Exchange(byte[][] Parts, int[] Statuses);

    /// <summary>A named check: exchanges on one connection, and whether the server closes it after the last answer.</summary>
    private sealed record Conversation(string Name, Exchange[] Exchanges, bool ClosesAfter);

    /// <summary>A response as the client read it.</summary>
    private sealed record Response(int Status, string Head, string Body);

    /// <summary>The client's side of HTTP/1.1: cuts the received bytes into responses (head, then Content-Length bytes of body).</summary>
    private sealed class ResponseReader
    {
        private readonly List<byte> _pending = [];

        public List<Response> Responses { get; } = [];

        public void Add(ReadOnlySpan<byte> bytes)
        {
            _pending.AddRange(bytes);
            while (true)
            {
                string text = Encoding.ASCII.GetString([.. _pending]);
                int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    return;
                }

                string head = text[..(end + 4)];
                int length = ContentLength(head);
                if (text.Length < head.Length + length)
                {
                    return;
                }

                int status = int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
                Responses.Add(new Response(status, head, text.Substring(head.Length, length)));
                _pending.RemoveRange(0, head.Length + length);
            }
        }

        public string Describe() =>
            Responses.Count == 0 ? "no answer" : string.Join(", ", Responses.Select(r => r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        private static int ContentLength(string head)
        {
            foreach (string line in head.Split("\r\n"))
            {
                if (line.StartsWith("Content-Length: ", StringComparison.OrdinalIgnoreCase))
                {
                    return int.Parse(line.AsSpan(16), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            throw new InvalidDataException($"a response without Content-Length: {head}");
        }
    }
}
