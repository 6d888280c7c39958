using System.Net;
using System.Net.Sockets;
using System.Text;
using Samples.HttpHello;

namespace Scheduler.Tests.Http;

/// <summary>
/// The HttpHello sample's prepared responses (the bytes every peer of the network comparison must send), and its server
/// over loopback: pipelining, a request sent in two parts, HTTP/1.0 closing, a head over the limit, all on one loop thread. Bounded: every
/// socket call has a five-second timeout.
/// </summary>
public class HttpServerTests
{
    private static readonly DateTimeOffset s_rfcExample = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    [Test]
    public void HttpResponses_Hello_IsTheBytesEveryPeerSends()
    {
        var responses = new HttpResponses(s_rfcExample);

        Assert.That(
            Text(responses.Get(HttpAnswer.Hello, ConnectionMode.Persistent)),
            Is.EqualTo("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\nHello, World!"));
        Assert.That(
            Text(responses.Get(HttpAnswer.NotFound, ConnectionMode.Close)),
            Is.EqualTo("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"));
    }

    [Test]
    public void HttpResponses_SetDate_RewritesTheDateOfEveryResponseInPlace()
    {
        var responses = new HttpResponses(s_rfcExample);
        responses.SetDate(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)));

        var dates = new List<string>();
        foreach (HttpAnswer answer in Enum.GetValues<HttpAnswer>())
        {
            foreach (ConnectionMode mode in Enum.GetValues<ConnectionMode>())
            {
                string text = Text(responses.Get(answer, mode));
                int at = text.IndexOf("Date: ", StringComparison.Ordinal);
                dates.Add(text.Substring(at + 6, 29));
                Assert.That(text.Length, Is.LessThanOrEqualTo(responses.MaxLength));
            }
        }

        Assert.That(dates, Has.Count.EqualTo(21).And.All.EqualTo("Fri, 02 Jan 2026 01:04:05 GMT"));
    }

    [Test]
    public void HttpServer_PipelinedThenInPartsThenHttp10_AnsweredInOrderOnOneLoopThread()
    {
        HttpServer server = HttpServer.Start(new IPEndPoint(IPAddress.Loopback, 0), backlog: 16);
        string pipelined;
        string inParts;
        string closing;
        try
        {
            using Socket client = Connect(server.EndPoint);
            Send(client, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nDELETE / HTTP/1.1\r\nHost: a\r\n\r\n");
            pipelined = Statuses(ReadResponses(client, 3));

            Send(client, "GET / HTTP/1.1\r\nHo");
            Send(client, "st: a\r\n\r\n");
            inParts = Statuses(ReadResponses(client, 1));

            Send(client, "GET / HTTP/1.0\r\n\r\n");
            closing = ReadToEnd(client);
        }
        finally
        {
            server.Stop();
        }

        Assert.Multiple(() =>
        {
            Assert.That(pipelined, Is.EqualTo("200 404 405"));
            Assert.That(inParts, Is.EqualTo("200"));
            Assert.That(closing, Does.StartWith("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n").And.EndWith("\r\n\r\nHello, World!"));
            Assert.That(server.Stats.Requests, Is.EqualTo(5));
            Assert.That(server.Stats.Threads, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void HttpServer_HeadOverTheLimit_431ThenClosed()
    {
        HttpServer server = HttpServer.Start(new IPEndPoint(IPAddress.Loopback, 0), backlog: 16, maxHeadSize: 256);
        string answer;
        try
        {
            using Socket client = Connect(server.EndPoint);
            Send(client, "GET / HTTP/1.1\r\nHost: a\r\nX-Filler: " + new string('a', 300) + "\r\n\r\n");
            answer = ReadToEnd(client);
        }
        finally
        {
            server.Stop();
        }

        Assert.That(answer, Does.StartWith("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n"));
        Assert.That(server.Stats.Count(HttpAnswer.HeadTooLarge), Is.EqualTo(1));
    }

    private static Socket Connect(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)s_timeout.TotalMilliseconds,
            SendTimeout = (int)s_timeout.TotalMilliseconds,
        };
        socket.Connect(server);
        return socket;
    }

    private static void Send(Socket socket, string text) => socket.Send(Encoding.ASCII.GetBytes(text));

    /// <summary>Reads until <paramref name="count"/> complete responses (head and Content-Length body) are in.</summary>
    private static List<string> ReadResponses(Socket socket, int count)
    {
        var responses = new List<string>();
        string pending = "";
        byte[] buffer = new byte[4096];
        while (responses.Count < count)
        {
            int received = socket.Receive(buffer); // throws on the five-second timeout
            Assert.That(received, Is.Positive, "the server closed the connection early");
            pending += Encoding.ASCII.GetString(buffer, 0, received);
            int end;
            while ((end = pending.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
            {
                string head = pending[..end];
                int at = head.IndexOf("Content-Length: ", StringComparison.Ordinal) + "Content-Length: ".Length;
                int stop = head.IndexOf('\r', at);
                int length = int.Parse(head.AsSpan(at, (stop < 0 ? head.Length : stop) - at), System.Globalization.CultureInfo.InvariantCulture);
                if (pending.Length < end + 4 + length)
                {
                    break;
                }

                responses.Add(pending[..(end + 4 + length)]);
                pending = pending[(end + 4 + length)..];
            }
        }

        return responses;
    }

    private static string ReadToEnd(Socket socket)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        int received;
        while ((received = socket.Receive(buffer)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, received));
        }

        return text.ToString();
    }

    private static string Statuses(List<string> responses) => string.Join(" ", responses.Select(r => r.Substring(9, 3)));

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);
}
