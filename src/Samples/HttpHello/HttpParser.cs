using System.Text;

namespace Samples.HttpHello;

/// <summary>What <see cref="HttpParser.TryParse"/> found at the start of the bytes it was given.</summary>
internal enum HttpParseStatus
{
    /// <summary>No complete head yet, and nothing wrong so far: receive more bytes and parse again.</summary>
    Incomplete,

    /// <summary>A complete, valid request head; <see cref="HttpRequestHead.Length"/> says how many bytes it took.</summary>
    Complete,

    /// <summary>Not HTTP/1.x as RFC 9112 writes it: answer 400 and close.</summary>
    Malformed,

    /// <summary>The head is longer than the limit: answer 431 and close.</summary>
    HeadTooLarge,

    /// <summary>A well-formed version other than HTTP/1.0 or HTTP/1.1: answer 505 and close.</summary>
    VersionNotSupported,

    /// <summary>A Transfer-Encoding this server does not implement (a chunked body): answer 501 and close.</summary>
    NotImplemented,
}

/// <summary>The parts of a request head this server acts on. A plain value: parsing allocates nothing.</summary>
/// <param name="Length">Bytes the head took, from the first byte given to the parser through its empty line.</param>
/// <param name="IsGet">The method is GET.</param>
/// <param name="IsRoot">The path (the target before any '?') is exactly "/".</param>
/// <param name="IsHttp10">The version is HTTP/1.0 (otherwise HTTP/1.1).</param>
/// <param name="KeepAlive">The connection stays open after the response: HTTP/1.1 unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive".</param>
/// <param name="ContentLength">Bytes of body that follow the head (0 when there is no Content-Length).</param>
internal readonly record struct HttpRequestHead(int Length, bool IsGet, bool IsRoot, bool IsHttp10, bool KeepAlive, long ContentLength);

/// <summary>
/// Parses one HTTP/1.x request head (request line and header fields, up to the empty line) from the start of a
/// span of bytes, as RFC 9112 writes it. Stateless and allocation-free: a connection calls it again on the same
/// bytes plus whatever arrived since, so a head split across receives and several heads in one receive
/// (pipelining) both work.
/// </summary>
/// <remarks>
/// Lines end with CRLF (a bare LF is malformed); empty lines before the request line are skipped; header names are
/// tokens matched without regard to case; a header line that starts with a space (obsolete folding) is malformed.
/// Only Host, Connection, Content-Length and Transfer-Encoding are interpreted. An HTTP/1.1 request needs exactly one
/// Host. Content-Length is one decimal number (repeated only with the same value).
/// </remarks>
internal static class HttpParser
{
    /// <summary>The default bound on a request head, in bytes: a longer head is answered with 431.</summary>
    public const int DefaultMaxHeadSize = 8192;

    private const int MaxContentLengthDigits = 15;

    /// <summary>Parses the request head at the start of <paramref name="data"/>.</summary>
    /// <param name="data">Received bytes, starting where the previous request ended.</param>
    /// <param name="maxHeadSize">The largest head accepted, in bytes.</param>
    /// <param name="head">The parsed head when the result is <see cref="HttpParseStatus.Complete"/>; default otherwise.</param>
    /// <returns>What the bytes hold. A malformed start is reported as soon as it is seen, before the head is complete.</returns>
    public static HttpParseStatus TryParse(ReadOnlySpan<byte> data, int maxHeadSize, out HttpRequestHead head)
    {
        HttpParseStatus status = Parse(data, out head);
        if (status == HttpParseStatus.Incomplete && data.Length >= maxHeadSize)
        {
            status = HttpParseStatus.HeadTooLarge;
        }
        else if (status == HttpParseStatus.Complete && head.Length > maxHeadSize)
        {
            head = default;
            status = HttpParseStatus.HeadTooLarge;
        }

        return status;
    }

    private static HttpParseStatus Parse(ReadOnlySpan<byte> data, out HttpRequestHead head)
    {
        head = default;
        int position = 0;
        while (data.Length - position >= 2 && data[position] == (byte)'\r' && data[position + 1] == (byte)'\n')
        {
            position += 2; // RFC 9112 2.2: ignore empty lines before the request line
        }

        HttpParseStatus status = NextLine(data, ref position, out ReadOnlySpan<byte> requestLine);
        if (status != HttpParseStatus.Complete)
        {
            return status;
        }

        status = ParseRequestLine(requestLine, out bool isGet, out bool isRoot, out bool isHttp10);
        if (status != HttpParseStatus.Complete)
        {
            return status;
        }

        var fields = new FieldState();
        while (true)
        {
            status = NextLine(data, ref position, out ReadOnlySpan<byte> line);
            if (status != HttpParseStatus.Complete)
            {
                return status;
            }

            if (line.IsEmpty)
            {
                break; // the end of the head
            }

            status = ParseField(line, ref fields);
            if (status != HttpParseStatus.Complete)
            {
                return status;
            }
        }

        if (fields.TransferEncoding)
        {
            return HttpParseStatus.NotImplemented;
        }

        if (!isHttp10 && fields.HostCount != 1)
        {
            return HttpParseStatus.Malformed; // RFC 9112 3.2: an HTTP/1.1 request without exactly one Host gets 400
        }

        bool keepAlive = !fields.Close && (!isHttp10 || fields.KeepAlive);
        head = new HttpRequestHead(position, isGet, isRoot, isHttp10, keepAlive, Math.Max(fields.ContentLength, 0));
        return HttpParseStatus.Complete;
    }

    /// <summary>Takes the line at <paramref name="position"/> without its CRLF, and moves past it.</summary>
    private static HttpParseStatus NextLine(ReadOnlySpan<byte> data, ref int position, out ReadOnlySpan<byte> line)
    {
        line = default;
        ReadOnlySpan<byte> rest = data[position..];
        int lf = rest.IndexOf((byte)'\n');
        int cr = rest.IndexOf((byte)'\r');
        if (lf < 0)
        {
            // Incomplete, unless a CR already stands somewhere other than at the very end, where its LF may follow.
            return cr >= 0 && cr != rest.Length - 1 ? HttpParseStatus.Malformed : HttpParseStatus.Incomplete;
        }

        if (cr != lf - 1)
        {
            return HttpParseStatus.Malformed; // a bare LF, or a CR inside the line
        }

        line = rest[..cr];
        position += lf + 1;
        return HttpParseStatus.Complete;
    }

    private static HttpParseStatus ParseRequestLine(ReadOnlySpan<byte> line, out bool isGet, out bool isRoot, out bool isHttp10)
    {
        isGet = isRoot = isHttp10 = false;
        int firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0 || !IsToken(line[..firstSpace]))
        {
            return HttpParseStatus.Malformed;
        }

        ReadOnlySpan<byte> method = line[..firstSpace];
        ReadOnlySpan<byte> rest = line[(firstSpace + 1)..];
        int secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return HttpParseStatus.Malformed;
        }

        ReadOnlySpan<byte> target = rest[..secondSpace];
        ReadOnlySpan<byte> version = rest[(secondSpace + 1)..];
        if (target.IndexOfAnyInRange((byte)0, (byte)' ') >= 0 || target.Contains((byte)0x7F))
        {
            return HttpParseStatus.Malformed; // no controls or spaces in a request target
        }

        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            isHttp10 = false;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            isHttp10 = true;
        }
        else
        {
            bool wellFormed = version.Length == 8 && version.StartsWith("HTTP/"u8)
                && char.IsAsciiDigit((char)version[5]) && version[6] == (byte)'.' && char.IsAsciiDigit((char)version[7]);
            return wellFormed ? HttpParseStatus.VersionNotSupported : HttpParseStatus.Malformed;
        }

        int query = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> path = query < 0 ? target : target[..query];
        isGet = method.SequenceEqual("GET"u8);
        isRoot = path.SequenceEqual("/"u8);
        return HttpParseStatus.Complete;
    }

    private static HttpParseStatus ParseField(ReadOnlySpan<byte> line, ref FieldState fields)
    {
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            return HttpParseStatus.Malformed; // also a line starting with a space: obsolete folding is refused
        }

        ReadOnlySpan<byte> name = line[..colon];
        ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return HttpParseStatus.Malformed;
            }
        }

        if (Ascii.EqualsIgnoreCase(name, "Host"u8))
        {
            fields.HostCount++;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            ReadConnectionOptions(value, ref fields);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (!TryParseLength(value, out long length) || (fields.ContentLength >= 0 && fields.ContentLength != length))
            {
                return HttpParseStatus.Malformed;
            }

            fields.ContentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            fields.TransferEncoding = true;
        }

        return HttpParseStatus.Complete;
    }

    /// <summary>Reads the comma-separated options of a Connection field: "close" and "keep-alive" count.</summary>
    private static void ReadConnectionOptions(ReadOnlySpan<byte> value, ref FieldState fields)
    {
        while (!value.IsEmpty)
        {
            int comma = value.IndexOf((byte)',');
            ReadOnlySpan<byte> option = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            value = comma < 0 ? default : value[(comma + 1)..];
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                fields.Close = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                fields.KeepAlive = true;
            }
        }
    }

    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > MaxContentLengthDigits)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            length = (length * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>RFC 9110 5.6.2: a token is one or more of the visible characters other than delimiters.</summary>
    private static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (byte b in text)
        {
            bool tchar = b is > 0x20 and < 0x7F && "\"(),/:;<=>?@[\\]{}"u8.IndexOf(b) < 0;
            if (!tchar)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What the header fields said, gathered while walking them.</summary>
    private struct FieldState
    {
        public FieldState()
        {
        }

        public int HostCount { get; set; }

        public bool Close { get; set; }

        public bool KeepAlive { get; set; }

        public long ContentLength { get; set; } = -1;

        public bool TransferEncoding { get; set; }
    }
}
