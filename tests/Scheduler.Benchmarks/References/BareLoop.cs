using System.Collections;

namespace Scheduler.Benchmarks.References;

/// <summary>
/// The bare hand-off floor: the least a scheduler can do to let iterators wait for each other. A
/// <see cref="Queue{T}"/> of <see cref="IEnumerator"/>; a task that yields a <see cref="BareSignal"/> parks on it
/// (or goes on at once if the signal is set), anything else requeues it. No rounds, no states, no cancellation,
/// no fault handling, no ids or step counts: what the event loop adds on top of this is what its semantics cost.
/// </summary>
internal sealed class BareLoop
{
    private readonly Queue<IEnumerator> _ready;

    /// <summary>Yielded, parks the task for good (it is dropped).</summary>
    public static object Forever { get; } = new();

    public BareLoop(int capacity) => _ready = new Queue<IEnumerator>(capacity);

    public void Enqueue(IEnumerator task) => _ready.Enqueue(task);

    /// <summary>Runs until no task is ready; returns the steps run.</summary>
    public long Run()
    {
        long steps = 0;
        while (_ready.TryDequeue(out IEnumerator? task))
        {
            steps++;
            if (!task.MoveNext())
            {
                continue;
            }

            object? yielded = task.Current;
            if (yielded is BareSignal signal)
            {
                signal.Park(task);
            }
            else if (yielded != Forever)
            {
                _ready.Enqueue(task);
            }
        }

        return steps;
    }
}

/// <summary>
/// An auto-reset signal for <see cref="BareLoop"/> with room for one waiter (all a hand-off ring needs): a set
/// with a waiter queues it, a set without one is kept for the next wait.
/// </summary>
internal sealed class BareSignal(BareLoop loop)
{
    private IEnumerator? _waiter;
    private bool _set;

    public void Set()
    {
        if (_waiter is { } waiter)
        {
            _waiter = null;
            loop.Enqueue(waiter);
        }
        else
        {
            _set = true;
        }
    }

    /// <summary>Parks a task that was started by hand (setup), as <see cref="BareLoop.Run"/> would.</summary>
    public void ParkForSetup(IEnumerator task) => Park(task);

    internal void Park(IEnumerator task)
    {
        if (_set)
        {
            _set = false;
            loop.Enqueue(task);
        }
        else
        {
            _waiter = task;
        }
    }
}
