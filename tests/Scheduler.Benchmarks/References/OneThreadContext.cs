namespace Scheduler.Benchmarks.References;

/// <summary>
/// The async references' home: a <see cref="SynchronizationContext"/> that runs posted callbacks on the one thread
/// that pumps it, in the order posted, like a UI dispatcher without the UI. An <c>await</c> inside it resumes
/// through <see cref="Post"/>, so async methods take turns on one thread exactly as coroutines do on the loop:
/// no thread pool, no locks, no second core.
/// </summary>
/// <remarks>
/// The queue is a ring of structs (no allocation per post once grown, no covariance check per store), the
/// cheapest a hand-written context can be, so the async figures are the best async can do on one thread. A post
/// from any other thread throws: it would mean a reference used the thread pool, and the comparison would be
/// unfair (a second core) and wrong (CPU time is measured on this thread only).
/// </remarks>
internal sealed class OneThreadContext : SynchronizationContext
{
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private WorkItem[] _items;
    private int _head;
    private int _count;

    /// <summary>Creates a context whose queue holds <paramref name="capacity"/> callbacks before it has to grow.</summary>
    /// <param name="capacity">Sized to the workload, as the loop's ready queue is grown by an untimed batch first.</param>
    public OneThreadContext(int capacity = 1024) => _items = new WorkItem[Math.Max(16, capacity)];

    public int Pending => _count;

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException("A callback was posted from another thread: the async reference left its one thread.");
        }

        if (_count == _items.Length)
        {
            Grow();
        }

        int tail = _head + _count;
        if (tail >= _items.Length)
        {
            tail -= _items.Length;
        }

        _items[tail] = new WorkItem(d, state);
        _count++;
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The one-thread context only posts.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Makes this the current context of the calling thread until the scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        return new Scope(previous);
    }

    /// <summary>Runs posted callbacks (and what they post) until none is left; returns how many ran.</summary>
    public long RunUntilEmpty()
    {
        using Scope scope = Enter();
        long ran = 0;
        while (_count > 0)
        {
            WorkItem item = _items[_head];
            _items[_head] = default;
            _head = _head + 1 == _items.Length ? 0 : _head + 1;
            _count--;
            item.Callback(item.State);
            ran++;
        }

        return ran;
    }

    private void Grow()
    {
        var bigger = new WorkItem[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) % _items.Length];
        }

        _items = bigger;
        _head = 0;
    }

    /// <summary>Restores the previous context.</summary>
    internal readonly struct Scope(SynchronizationContext? previous) : IDisposable
    {
        public void Dispose() => SetSynchronizationContext(previous);
    }

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);
}
