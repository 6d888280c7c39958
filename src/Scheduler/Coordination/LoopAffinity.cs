namespace Scheduler;

/// <summary>
/// The checks every coordination primitive makes: it belongs to one loop, its state is touched on that loop's
/// thread only, and a coroutine of another loop cannot wait on it. Messages name the primitive and the member.
/// </summary>
internal static class LoopAffinity
{
    /// <summary>Throws unless the calling thread owns <paramref name="loop"/>.</summary>
    public static void CheckThread(EventLoop loop, object primitive, string member)
    {
        if (!loop.IsLoopThread)
        {
            throw new InvalidOperationException(
                $"{member} on {primitive} must be called on its event loop's thread, but was called from thread " +
                $"{Environment.CurrentManagedThreadId}. Use EventLoop.Post to run it on the loop.");
        }
    }

    /// <summary>Throws when a coroutine of another loop yields a wait of <paramref name="primitive"/>.</summary>
    public static void CheckSameLoop(EventLoop owner, EventLoop loop, object primitive)
    {
        if (!ReferenceEquals(owner, loop))
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine?.ToString() ?? "A coroutine"} cannot wait on {primitive}: it belongs to another event loop.");
        }
    }

    /// <summary>Quotes an optional name for messages: <c>signal 'ready'</c>, or <c>a signal</c> without one.</summary>
    public static string Describe(string kind, string? name) =>
        name is not null ? $"{kind} '{name}'" : "aeiou".Contains(kind[0], StringComparison.Ordinal) ? $"an {kind}" : $"a {kind}";
}
