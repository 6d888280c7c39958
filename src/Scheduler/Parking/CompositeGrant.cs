namespace Scheduler;

/// <summary>The grants an <c>All</c> collected from its branches, handed to its owner as one.</summary>
internal sealed class CompositeGrant : IPendingGrant
{
    private readonly List<IPendingGrant> _grants = [];

    public int Count => _grants.Count;

    public void Add(IPendingGrant grant) => _grants.Add(grant);

    public void Accept(Coroutine coroutine)
    {
        foreach (IPendingGrant grant in _grants)
        {
            grant.Accept(coroutine);
        }
    }

    public void Decline(EventLoop loop, Coroutine coroutine)
    {
        foreach (IPendingGrant grant in _grants)
        {
            grant.Decline(loop, coroutine);
        }
    }
}
