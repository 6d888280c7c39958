using Microsoft.Extensions.Logging;

namespace Scheduler;

/// <summary>
/// Runs every step inside a logging scope that names its coroutine (<see cref="EventLoopOptions.LogScopes"/>), so
/// a log event written from inside a task carries <c>CoroutineId</c> and <c>CoroutineName</c>.
/// </summary>
internal sealed class LogScopeObserver(ILogger logger) : StepObserver
{
    // One scope per step, and steps never nest on a loop thread, so one slot is enough.
    private IDisposable? _scope;

    public override void BeforeStep(Coroutine coroutine) =>
        _scope = logger.BeginScope(coroutine.LoopExtras.LogScope ??= new CoroutineLogScope(coroutine));

    public override void AfterStep(Coroutine coroutine)
    {
        IDisposable? scope = _scope;
        _scope = null;
        scope?.Dispose();
    }
}

/// <summary>
/// The state of a coroutine's logging scope: structured properties for providers that read them (Serilog turns
/// each pair into an event property) and a readable text for those that print scopes.
/// </summary>
internal sealed class CoroutineLogScope(Coroutine coroutine) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => coroutine.Name is null ? 1 : 2;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("CoroutineId", coroutine.Id),
        1 when coroutine.Name is { } name => new("CoroutineName", name),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => coroutine.ToString();
}
