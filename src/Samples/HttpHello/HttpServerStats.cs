namespace Samples.HttpHello;

/// <summary>Counters of one server: written on its loop thread only, read once that thread has ended (or, roughly, by a monitor).</summary>
internal sealed class HttpServerStats
{
    private readonly long[] _answers = new long[Enum.GetValues<HttpAnswer>().Length];
    private int _open;

    /// <summary>Connections accepted so far.</summary>
    public long Accepted { get; private set; }

    /// <summary>The most connections open at the same time.</summary>
    public int Peak { get; private set; }

    /// <summary>Connections that ended with a fault (a reset by the client, mostly).</summary>
    public long Faulted { get; private set; }

    /// <summary>Every managed thread that ran a connection's code: one, the loop thread.</summary>
    public HashSet<int> Threads { get; } = [];

    /// <summary>Requests answered, of every kind.</summary>
    public long Requests => _answers.Sum();

    /// <summary>How many times <paramref name="answer"/> was sent.</summary>
    /// <param name="answer">The answer.</param>
    /// <returns>The count.</returns>
    public long Count(HttpAnswer answer) => _answers[(int)answer];

    public void Opened()
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Accepted++;
        Peak = Math.Max(Peak, ++_open);
    }

    public void Closed() => _open--;

    public void Answered(HttpAnswer answer) => _answers[(int)answer]++;

    public void Fault() => Faulted++;

    /// <summary>A one-line summary, for the sample's output.</summary>
    /// <returns>The counters in words.</returns>
    public override string ToString() =>
        $"{Accepted} connections (at most {Peak} open at once), {Requests} requests: {Count(HttpAnswer.Hello)} x 200, " +
        $"{Count(HttpAnswer.NotFound)} x 404, {Count(HttpAnswer.MethodNotAllowed)} x 405, {Count(HttpAnswer.BadRequest)} x 400, " +
        $"{Count(HttpAnswer.HeadTooLarge)} x 431, {Count(HttpAnswer.NotImplemented) + Count(HttpAnswer.VersionNotSupported)} x 501/505; " +
        $"{Faulted} connections faulted; run by {Threads.Count} thread(s)";
}
