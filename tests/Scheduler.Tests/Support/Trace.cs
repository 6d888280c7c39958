namespace Scheduler.Tests.Support;

/// <summary>Records what coroutines did, as strings, so a test can assert the whole interleaving at once.</summary>
public sealed class Trace
{
    private readonly List<string> _events = [];

    public IReadOnlyList<string> Events => _events;

    public void Add(string entry) => _events.Add(entry);

    public override string ToString() => string.Join(" ", _events);
}
