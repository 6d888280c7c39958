using System.Collections;

namespace Scheduler.Benchmarks.References;

/// <summary>A sleep for <see cref="PriorityQueueTimers"/>: what its tasks yield, like <c>Wait.For(d)</c>.</summary>
internal sealed class TimerDelay(long ticks)
{
    public long Ticks { get; } = ticks;
}

/// <summary>
/// The timer reference: a hand-written scheduler whose sleepers wait in a <see cref="PriorityQueue{TElement, TPriority}"/>
/// on a virtual clock that jumps to the next deadline when nothing is ready (the loop's
/// <see cref="VirtualClock.AutoAdvance"/>).
/// </summary>
/// <remarks>
/// <see cref="PriorityQueue{TElement, TPriority}"/> is not stable, so equal deadlines would fire in an arbitrary
/// order. The priority is therefore one <see cref="long"/> packing the deadline above a sequence number taken when
/// the timer is set: equal deadlines fire in the order set (FIFO ties), as the loop's timers do, at the price of a
/// single long comparison, the fastest way to get that order from this queue.
/// </remarks>
internal sealed class PriorityQueueTimers
{
    private const int SequenceBits = 24;
    private const long SequenceMask = (1L << SequenceBits) - 1;

    private readonly Queue<IEnumerator> _ready;
    private readonly PriorityQueue<IEnumerator, long> _timers;
    private long _now;
    private long _sequence;

    public PriorityQueueTimers(int capacity)
    {
        _ready = new Queue<IEnumerator>(capacity);
        _timers = new PriorityQueue<IEnumerator, long>(capacity);
    }

    public void Enqueue(IEnumerator task) => _ready.Enqueue(task);

    /// <summary>Runs until no task is ready and no timer is left; returns the steps run.</summary>
    public long Run()
    {
        long steps = 0;
        while (true)
        {
            while (_ready.TryDequeue(out IEnumerator? task))
            {
                steps++;
                if (!task.MoveNext())
                {
                    continue;
                }

                if (task.Current is TimerDelay delay)
                {
                    _timers.Enqueue(task, Pack(_now + delay.Ticks));
                }
                else
                {
                    _ready.Enqueue(task);
                }
            }

            if (!_timers.TryPeek(out _, out long first))
            {
                return steps;
            }

            _now = first >> SequenceBits; // the clock jumps to the next deadline
            while (_timers.TryPeek(out IEnumerator? due, out long priority) && priority >> SequenceBits <= _now)
            {
                _timers.Dequeue();
                _ready.Enqueue(due);
            }
        }
    }

    private long Pack(long due)
    {
        long sequence = _sequence++;
        if (sequence > SequenceMask || due >= 1L << (63 - SequenceBits))
        {
            throw new InvalidOperationException("The workload outgrew the packed (deadline, sequence) priority.");
        }

        return (due << SequenceBits) | sequence;
    }
}
