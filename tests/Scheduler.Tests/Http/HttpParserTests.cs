using System.Text;
using Samples.HttpHello;

namespace Scheduler.Tests.Http;

/// <summary>
/// The request-head parser of the HttpHello sample (src/Samples/HttpHello/HttpParser.cs), without sockets: split
/// reads, pipelining, keep-alive rules, malformed and oversized input, and no allocation.
/// </summary>
public class HttpParserTests
{
    private const int Max = HttpParser.DefaultMaxHeadSize;
    private const string Get = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    [Test]
    public void TryParse_PlainGet_CompleteKeepAliveRoot()
    {
        HttpParseStatus status = HttpParser.TryParse(Bytes(Get), Max, out HttpRequestHead head);

        Assert.That(status, Is.EqualTo(HttpParseStatus.Complete));
        Assert.That(head, Is.EqualTo(new HttpRequestHead(Get.Length, IsGet: true, IsRoot: true, IsHttp10: false, KeepAlive: true, ContentLength: 0)));
    }

    [Test]
    public void TryParse_EveryProperPrefix_IncompleteThenCompleteAtTheLastByte()
    {
        byte[] request = Bytes("GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n");
        var incomplete = new List<int>();
        for (int length = 0; length < request.Length; length++)
        {
            if (HttpParser.TryParse(request.AsSpan(0, length), Max, out _) == HttpParseStatus.Incomplete)
            {
                incomplete.Add(length);
            }
        }

        Assert.That(incomplete, Is.EqualTo(Enumerable.Range(0, request.Length)), "a split anywhere waits for more bytes");
        Assert.That(HttpParser.TryParse(request, Max, out HttpRequestHead head), Is.EqualTo(HttpParseStatus.Complete));
        Assert.That(head.Length, Is.EqualTo(request.Length));
        Assert.That(head.IsRoot, Is.False);
    }

    [Test]
    public void TryParse_ThreePipelinedRequests_EachParsedFromWhereThePreviousEnded()
    {
        byte[] data = Bytes(Get + "GET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + "GET / HT");
        var heads = new List<HttpRequestHead>();
        int offset = 0;
        HttpParseStatus status;
        while ((status = HttpParser.TryParse(data.AsSpan(offset), Max, out HttpRequestHead head)) == HttpParseStatus.Complete)
        {
            heads.Add(head);
            offset += head.Length;
        }

        Assert.That(status, Is.EqualTo(HttpParseStatus.Incomplete), "the third request is cut short");
        Assert.That(heads.Select(h => (h.IsRoot, h.KeepAlive)), Is.EqualTo(new[] { (true, true), (false, false) }));
        Assert.That(Encoding.ASCII.GetString(data, offset, data.Length - offset), Is.EqualTo("GET / HT"));
    }

    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false, TestName = "TryParse_Http11ConnectionClose_NotKeepAlive")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", false, TestName = "TryParse_Http11CloseInAListAnyCase_NotKeepAlive")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n", true, TestName = "TryParse_Http11OtherOption_KeepAlive")]
    [TestCase("GET / HTTP/1.0\r\n\r\n", false, TestName = "TryParse_Http10Plain_NotKeepAlive")]
    [TestCase("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, TestName = "TryParse_Http10KeepAlive_KeepAlive")]
    public void TryParse_ConnectionRules(string request, bool keepAlive)
    {
        Assert.That(HttpParser.TryParse(Bytes(request), Max, out HttpRequestHead head), Is.EqualTo(HttpParseStatus.Complete));
        Assert.That(head.KeepAlive, Is.EqualTo(keepAlive));
    }

    [Test]
    public void TryParse_PostWithBody_LengthIsTheHeadAndContentLengthTheBody()
    {
        const string head = "POST /?a=b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n";

        Assert.That(HttpParser.TryParse(Bytes(head + "hello"), Max, out HttpRequestHead parsed), Is.EqualTo(HttpParseStatus.Complete));
        Assert.That(parsed, Is.EqualTo(new HttpRequestHead(head.Length, IsGet: false, IsRoot: true, IsHttp10: false, KeepAlive: true, ContentLength: 5)));
    }

    [Test]
    public void TryParse_EmptyLinesBeforeTheRequestLine_Skipped()
    {
        Assert.That(HttpParser.TryParse(Bytes("\r\n\r\n" + Get), Max, out HttpRequestHead head), Is.EqualTo(HttpParseStatus.Complete));
        Assert.That(head.Length, Is.EqualTo(Get.Length + 4));
    }

    [TestCase("GET /\r\n\r\n", TestName = "TryParse_NoVersion_Malformed")]
    [TestCase("GET / HTTP/1.1\nHost: a\n\n", TestName = "TryParse_BareLineFeeds_Malformed")]
    [TestCase("GET / HTTP/1.1\rHost: a\r\n\r\n", TestName = "TryParse_CarriageReturnInsideALine_Malformed")]
    [TestCase("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_MethodNotAToken_Malformed")]
    [TestCase("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_TwoSpaces_Malformed")]
    [TestCase("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", TestName = "TryParse_TrailingSpace_Malformed")]
    [TestCase("GET / HTTP1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_BadVersion_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost : a\r\n\r\n", TestName = "TryParse_SpaceBeforeColon_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", TestName = "TryParse_ObsoleteFolding_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", TestName = "TryParse_FieldWithoutColon_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\u0001b\r\n\r\n", TestName = "TryParse_ControlInAValue_Malformed")]
    [TestCase("GET / HTTP/1.1\r\n\r\n", TestName = "TryParse_Http11WithoutHost_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", TestName = "TryParse_TwoHosts_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\n", TestName = "TryParse_ContentLengthNotANumber_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", TestName = "TryParse_ConflictingContentLengths_Malformed")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999999999\r\n\r\n", TestName = "TryParse_HugeContentLength_Malformed")]
    public void TryParse_Malformed(string request)
    {
        Assert.That(HttpParser.TryParse(Bytes(request), Max, out HttpRequestHead head), Is.EqualTo(HttpParseStatus.Malformed));
        Assert.That(head, Is.EqualTo(default(HttpRequestHead)));
    }

    [TestCase("GET /\r\n", TestName = "TryParse_BadRequestLineBeforeTheHeadEnds_MalformedAtOnce")]
    [TestCase("GET / HTTP/1.1\r\nBad Name: x\r\n", TestName = "TryParse_BadFieldBeforeTheHeadEnds_MalformedAtOnce")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\rX", TestName = "TryParse_StrayCarriageReturnBeforeTheHeadEnds_MalformedAtOnce")]
    public void TryParse_MalformedStart_ReportedBeforeTheHeadIsComplete(string start)
    {
        Assert.That(HttpParser.TryParse(Bytes(start), Max, out _), Is.EqualTo(HttpParseStatus.Malformed));
    }

    [Test]
    public void TryParse_OtherVersion_VersionNotSupported()
    {
        Assert.That(HttpParser.TryParse(Bytes("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), Max, out _), Is.EqualTo(HttpParseStatus.VersionNotSupported));
    }

    [Test]
    public void TryParse_TransferEncoding_NotImplemented()
    {
        Assert.That(HttpParser.TryParse(Bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), Max, out _), Is.EqualTo(HttpParseStatus.NotImplemented));
    }

    [Test]
    public void TryParse_IncompleteHeadAtTheLimit_HeadTooLarge()
    {
        byte[] start = Bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Filler: " + new string('a', 100));

        Assert.Multiple(() =>
        {
            Assert.That(HttpParser.TryParse(start, start.Length + 1, out _), Is.EqualTo(HttpParseStatus.Incomplete));
            Assert.That(HttpParser.TryParse(start, start.Length, out _), Is.EqualTo(HttpParseStatus.HeadTooLarge));
        });
    }

    [Test]
    public void TryParse_CompleteHeadOverTheLimit_HeadTooLarge()
    {
        byte[] request = Bytes(Get);

        Assert.Multiple(() =>
        {
            Assert.That(HttpParser.TryParse(request, request.Length, out _), Is.EqualTo(HttpParseStatus.Complete));
            Assert.That(HttpParser.TryParse(request, request.Length - 1, out HttpRequestHead head), Is.EqualTo(HttpParseStatus.HeadTooLarge));
            Assert.That(head, Is.EqualTo(default(HttpRequestHead)));
        });
    }

    [Test]
    public void TryParse_SteadyState_AllocatesNothing()
    {
        byte[] request = Bytes("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        int complete = 0;
        for (int i = 0; i < 100; i++)
        {
            complete += HttpParser.TryParse(request, Max, out _) == HttpParseStatus.Complete ? 1 : 0; // warm up
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            complete += HttpParser.TryParse(request, Max, out _) == HttpParseStatus.Complete ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(complete, Is.EqualTo(10_100));
        Assert.That(allocated, Is.Zero);
    }

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
