using System.Globalization;
using System.Text;

namespace Samples.HttpHello;

/// <summary>The answers this server gives, one per line of <see cref="HttpResponses"/>.</summary>
internal enum HttpAnswer
{
    /// <summary>200 with "Hello, World!": GET of "/".</summary>
    Hello,

    /// <summary>404: any other path.</summary>
    NotFound,

    /// <summary>405: another method on "/".</summary>
    MethodNotAllowed,

    /// <summary>400: malformed input (always closes).</summary>
    BadRequest,

    /// <summary>431: a head over the size limit (always closes).</summary>
    HeadTooLarge,

    /// <summary>501: a Transfer-Encoding (a chunked body) this server does not read (always closes).</summary>
    NotImplemented,

    /// <summary>505: an HTTP version other than 1.0 and 1.1 (always closes).</summary>
    VersionNotSupported,
}

/// <summary>How the response tells the client what happens to the connection.</summary>
internal enum ConnectionMode
{
    /// <summary>HTTP/1.1 keep-alive: no Connection field (persistence is the default).</summary>
    Persistent,

    /// <summary>HTTP/1.0 keep-alive: "Connection: keep-alive".</summary>
    KeepAlive,

    /// <summary>The server closes after this response: "Connection: close".</summary>
    Close,
}

/// <summary>
/// Every response this server sends, prepared once as bytes, so answering a request is one copy: no string and no
/// formatting per request. The Date field sits at a known offset in each response and <see cref="SetDate"/> rewrites
/// those 29 bytes in place, once a second.
/// </summary>
/// <remarks>
/// The fields are in the order ASP.NET Core's Kestrel writes them (Content-Length, Connection, Content-Type, Date), so
/// the peers of the network comparison send the same bytes. Belongs to the loop thread: <see cref="SetDate"/> and the
/// connections that copy the responses run on it, so a copy never sees half a date.
/// </remarks>
internal sealed class HttpResponses
{
    /// <summary>The body of the 200 response.</summary>
    public static readonly byte[] HelloBody = "Hello, World!"u8.ToArray();

    /// <summary>Length of an RFC 9110 IMF-fixdate, like "Sun, 06 Nov 1994 08:49:37 GMT".</summary>
    private const int DateLength = 29;

    private static readonly int s_answers = Enum.GetValues<HttpAnswer>().Length;
    private static readonly int s_modes = Enum.GetValues<ConnectionMode>().Length;

    private readonly byte[][] _bytes;   // [answer * modes + mode]
    private readonly int[] _dateOffsets; // where the date starts in each

    /// <summary>Prepares every response, dated <paramref name="now"/>.</summary>
    /// <param name="now">The time for the Date field until the next <see cref="SetDate"/>.</param>
    public HttpResponses(DateTimeOffset now)
    {
        _bytes = new byte[s_answers * s_modes][];
        _dateOffsets = new int[_bytes.Length];
        foreach (HttpAnswer answer in Enum.GetValues<HttpAnswer>())
        {
            foreach (ConnectionMode mode in Enum.GetValues<ConnectionMode>())
            {
                (string head, string body) = Compose(answer, mode);
                int index = Index(answer, mode);
                _bytes[index] = Encoding.ASCII.GetBytes(head + body);
                _dateOffsets[index] = head.IndexOf("Date: ", StringComparison.Ordinal) + "Date: ".Length;
            }
        }

        MaxLength = _bytes.Max(b => b.Length);
        SetDate(now);
    }

    /// <summary>The longest response, in bytes: a connection keeps this much room free in its output buffer.</summary>
    public int MaxLength { get; }

    /// <summary>The response for <paramref name="answer"/> with <paramref name="mode"/>, ready to copy.</summary>
    /// <param name="answer">What to answer.</param>
    /// <param name="mode">What happens to the connection (400, 431, 501 and 505 are always sent with <see cref="ConnectionMode.Close"/>).</param>
    /// <returns>The bytes; callers copy them and never keep or change them.</returns>
    public ReadOnlySpan<byte> Get(HttpAnswer answer, ConnectionMode mode) => _bytes[Index(answer, mode)];

    /// <summary>Rewrites the Date field of every response. Allocation-free.</summary>
    /// <param name="now">The current time; written in UTC, to the second.</param>
    public void SetDate(DateTimeOffset now)
    {
        Span<byte> date = stackalloc byte[DateLength];
        if (!now.UtcDateTime.TryFormat(date, out int written, "r", CultureInfo.InvariantCulture) || written != DateLength)
        {
            throw new InvalidOperationException($"An RFC 1123 date is {DateLength} bytes long, not {written}.");
        }

        for (int i = 0; i < _bytes.Length; i++)
        {
            date.CopyTo(_bytes[i].AsSpan(_dateOffsets[i]));
        }
    }

    private static int Index(HttpAnswer answer, ConnectionMode mode) => ((int)answer * s_modes) + (int)mode;

    private static (string Head, string Body) Compose(HttpAnswer answer, ConnectionMode mode)
    {
        (string status, string extra, string body) = answer switch
        {
            HttpAnswer.Hello => ("200 OK", "", Encoding.ASCII.GetString(HelloBody)),
            HttpAnswer.NotFound => ("404 Not Found", "", ""),
            HttpAnswer.MethodNotAllowed => ("405 Method Not Allowed", "Allow: GET\r\n", ""),
            HttpAnswer.BadRequest => ("400 Bad Request", "", ""),
            HttpAnswer.HeadTooLarge => ("431 Request Header Fields Too Large", "", ""),
            HttpAnswer.NotImplemented => ("501 Not Implemented", "", ""),
            HttpAnswer.VersionNotSupported => ("505 HTTP Version Not Supported", "", ""),
            _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, "no such answer"),
        };
        string connection = mode switch
        {
            ConnectionMode.Persistent => "",
            ConnectionMode.KeepAlive => "Connection: keep-alive\r\n",
            _ => "Connection: close\r\n",
        };
        string contentType = body.Length > 0 ? "Content-Type: text/plain\r\n" : "";
        string placeholderDate = new('-', DateLength);
        string head = string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 {status}\r\n{extra}Content-Length: {body.Length}\r\n{connection}{contentType}Date: {placeholderDate}\r\n\r\n");
        return (head, body);
    }
}
