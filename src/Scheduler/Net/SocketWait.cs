namespace Scheduler;

/// <summary>
/// A socket operation a coroutine yields: <see cref="LoopSocket.WaitAccept"/>, <see cref="LoopSocket.WaitReceive"/>
/// or <see cref="LoopSocket.WaitSend"/>. After the <c>yield return</c>, <see cref="Result"/> holds what the
/// operation produced: the accepted socket, or the number of bytes received or sent.
/// </summary>
/// <remarks>
/// <para>A socket keeps one instance per kind of operation and returns it from every call, so a receive loop
/// allocates nothing per receive. <see cref="Result"/> therefore describes the most recent operation of that kind
/// on that socket: read it right after the <c>yield return</c>, before the next call of the same kind. Call the
/// socket's <c>Wait…</c> member for every operation: yielding the wait again without a new call faults the
/// coroutine with an <see cref="InvalidOperationException"/>.</para>
/// <para>The operation starts when the wait is yielded (not when it is created), and the coroutine resumes in
/// the round after the operation completed. A failed operation faults the coroutine with the operation's own
/// exception (a <see cref="System.Net.Sockets.SocketException"/>, or an <see cref="ObjectDisposedException"/>
/// when the socket was disposed), like a joined coroutine's fault. Only the library derives from this class.</para>
/// </remarks>
/// <typeparam name="T">What the operation produces: <see cref="LoopSocket"/> for an accept, <see cref="int"/> (bytes) for a receive or a send.</typeparam>
public abstract class SocketWait<T> : WaitCondition
{
    private T _result = default!;

    private protected SocketWait()
    {
    }

    /// <summary>Gets whether the most recent operation of this kind has completed and <see cref="Result"/> can be read.</summary>
    public bool HasResult { get; private set; }

    /// <summary>Gets what the most recent operation produced: the accepted socket, or the number of bytes.</summary>
    /// <remarks>For a receive, 0 means the peer closed its side of the connection (end of stream).</remarks>
    /// <exception cref="InvalidOperationException">The operation has not completed yet: read it after the <c>yield return</c>.</exception>
    public T Result => HasResult
        ? _result
        : throw new InvalidOperationException(
            $"The {Verb} on {DescribeSocket()} has not completed yet; read Result after 'yield return' of the wait.");

    /// <summary>The operation, for messages: "receive", "send", "accept", "connect".</summary>
    private protected abstract string Verb { get; }

    private protected abstract string DescribeSocket();

    private protected void SetResult(T result)
    {
        _result = result;
        HasResult = true;
    }

    private protected void ClearResult()
    {
        _result = default!;
        HasResult = false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Verb} on {DescribeSocket()}";
}
