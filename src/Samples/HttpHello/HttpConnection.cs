using System.Collections;
using System.Net.Sockets;
using Scheduler;

namespace Samples.HttpHello;

/// <summary>
/// One HTTP/1.1 connection: a coroutine that receives, parses every complete request head in what it has, copies
/// one prepared response per request into its output buffer, sends them in one go, and receives again.
/// </summary>
/// <remarks>
/// Keep-alive and pipelining fall out of that loop: requests are answered in order, and a request split across
/// receives waits in the input buffer for the rest. The two buffers belong to the connection and are reused for
/// every request; the input buffer starts small and grows (up to the head limit) only for a head that does not fit.
/// So a request costs no allocation and no string. A head over the limit gets 431, malformed input 400; both close
/// the connection, like "Connection: close" and HTTP/1.0 without keep-alive do after their response.
/// </remarks>
internal sealed class HttpConnection
{
    private const int InitialInputSize = 1024;
    private const int OutputSize = 2048;
    private static readonly TimeSpan s_lingerTimeout = TimeSpan.FromSeconds(2);

    private readonly LoopSocket _socket;
    private readonly HttpResponses _responses;
    private readonly HttpServerStats _stats;
    private readonly int _maxHeadSize;
    private readonly byte[] _output = new byte[OutputSize];
    private byte[] _input;
    private int _start;       // first byte of _input not parsed yet
    private int _end;         // end of the bytes received into _input
    private int _outputLength;
    private long _bodyLeft;   // bytes of a request body still to skip

    public HttpConnection(LoopSocket socket, HttpResponses responses, HttpServerStats stats, int maxHeadSize)
    {
        _socket = socket;
        _responses = responses;
        _stats = stats;
        _maxHeadSize = maxHeadSize;
        _input = new byte[Math.Min(InitialInputSize, maxHeadSize)];
    }

    /// <summary>What to do after a pass over the received bytes.</summary>
    private enum Next
    {
        Receive,      // every complete request is answered: send the answers, then receive more
        SendAndParse, // the output buffer is full: send it, then go on parsing
        SendAndClose, // the last answer closes the connection
    }

    /// <summary>The connection's coroutine: serves requests until the client closes, or an answer closes.</summary>
    /// <returns>The routine to spawn; it owns and disposes the socket.</returns>
    // <snippet:HttpHelloConnection>
    public IEnumerator Serve()
    {
        using (_socket)
        {
            _stats.Opened();
            try
            {
                _socket.Socket.NoDelay = true;
                while (true)
                {
                    Next next = ParseAndAnswer();         // answers every complete request received so far
                    if (_outputLength > 0)
                    {
                        yield return _socket.WaitSend(_output.AsMemory(0, _outputLength)); // all the answers, one send
                        _outputLength = 0;
                    }

                    if (next == Next.SendAndClose)
                    {
                        yield return Linger();            // a nested routine: drain, then close
                        yield break;
                    }

                    if (next == Next.SendAndParse)
                    {
                        continue;                         // the output buffer was full: parse on
                    }

                    SocketWait<int> receive = _socket.WaitReceive(_input.AsMemory(_end));
                    yield return receive;                 // resumes when bytes, or the end, arrived
                    if (receive.Result == 0)
                    {
                        yield break;                      // the client closed its side
                    }

                    _end += receive.Result;
                }
            }
            finally
            {
                _stats.Closed();
            }
        }
    }
    // </snippet:HttpHelloConnection>

    /// <summary>Answers every complete request in the input buffer, in order, into the output buffer.</summary>
    private Next ParseAndAnswer()
    {
        while (true)
        {
            if (_bodyLeft > 0)
            {
                int skip = (int)Math.Min(_bodyLeft, _end - _start);
                _start += skip;
                _bodyLeft -= skip;
            }

            if (_start == _end || _bodyLeft > 0)
            {
                _start = _end = 0; // everything received is consumed
                return Next.Receive;
            }

            if (OutputSize - _outputLength < _responses.MaxLength)
            {
                return Next.SendAndParse;
            }

            HttpParseStatus status = HttpParser.TryParse(_input.AsSpan(_start, _end - _start), _maxHeadSize, out HttpRequestHead head);
            switch (status)
            {
                case HttpParseStatus.Incomplete:
                    MakeRoom();
                    return Next.Receive;
                case HttpParseStatus.Complete:
                    _start += head.Length;
                    _bodyLeft = head.ContentLength;
                    ConnectionMode mode = !head.KeepAlive ? ConnectionMode.Close : head.IsHttp10 ? ConnectionMode.KeepAlive : ConnectionMode.Persistent;
                    HttpAnswer answer = !head.IsRoot ? HttpAnswer.NotFound : head.IsGet ? HttpAnswer.Hello : HttpAnswer.MethodNotAllowed;
                    Append(answer, mode);
                    if (!head.KeepAlive)
                    {
                        return Next.SendAndClose;
                    }

                    break;
                default:
                    Append(AnswerFor(status), ConnectionMode.Close);
                    return Next.SendAndClose;
            }
        }
    }

    private static HttpAnswer AnswerFor(HttpParseStatus failure) => failure switch
    {
        HttpParseStatus.HeadTooLarge => HttpAnswer.HeadTooLarge,
        HttpParseStatus.VersionNotSupported => HttpAnswer.VersionNotSupported,
        HttpParseStatus.NotImplemented => HttpAnswer.NotImplemented,
        _ => HttpAnswer.BadRequest,
    };

    private void Append(HttpAnswer answer, ConnectionMode mode)
    {
        ReadOnlySpan<byte> response = _responses.Get(answer, mode);
        response.CopyTo(_output.AsSpan(_outputLength));
        _outputLength += response.Length;
        _stats.Answered(answer);
    }

    /// <summary>Moves an incomplete head to the start of the input buffer, and grows the buffer if the head fills it.</summary>
    private void MakeRoom()
    {
        if (_start > 0)
        {
            _input.AsSpan(_start, _end - _start).CopyTo(_input);
            _end -= _start;
            _start = 0;
        }

        if (_end == _input.Length)
        {
            // Only a head longer than the buffer gets here, and the parser answers 431 once one reaches the limit.
            Array.Resize(ref _input, Math.Min(_input.Length * 2, _maxHeadSize));
        }
    }

    /// <summary>
    /// After the last answer: ends the sending side, then reads and drops what the client still sends, until it closes
    /// or stays quiet for two seconds (at most 16 reads). Closing with unread bytes would reset the connection, and a
    /// reset can destroy the answer before the client reads it.
    /// </summary>
    private IEnumerator Linger()
    {
        bool gone = false;
        try
        {
            _socket.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            gone = true; // the client has reset the connection already: nothing to drain
        }

        for (int reads = 0; reads < 16 && !gone; reads++)
        {
            SocketWait<int> receive = _socket.WaitReceive(_input);
            AnyWait first = Wait.Any(receive, Wait.For(s_lingerTimeout));
            yield return first;
            gone = first.FiredIndex != 0 || receive.Result == 0;
        }
    }
}
