namespace Scheduler;

/// <summary>The grants an <c>All</c> collected from its branches, handed to its owner as one.</summary>
internal sealed class CompositeGrant : IPendingGrant
{
    private readonly List<IPendingGrant> _grants = [];

    public int Count => _grants.Count;

    public void Add(IPendingGrant grant) => _grants.Add(grant);

    /// <summary>Accepts every grant, even when one throws (it faults the coroutine), so none is left in limbo.</summary>
    public void Accept(Coroutine coroutine)
    {
        Exception? first = null;
        foreach (IPendingGrant grant in _grants)
        {
            try
            {
                grant.Accept(coroutine);
            }
            catch (Exception ex)
            {
                first ??= ex; // the first one faults the coroutine; the grants after it are still accepted
            }
        }

        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
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
