namespace Scheduler;

/// <summary>
/// The FIFO of coroutines that will step. A ring buffer of a struct wrapper: an array of a non-sealed class
/// would pay a covariance type check on every store, which measurably slows the hot path.
/// </summary>
/// <remarks>
/// The coroutine being stepped stays in the slot it was dequeued from until its step ends, and the loop's
/// <c>Current</c> reads it from there: storing it in a field instead would cost a GC write barrier on every
/// step, the largest single cost a profile of the hot path showed. So that slot is never reused mid-step, the
/// queue grows while one free slot would still be left.
/// </remarks>
internal sealed class ReadyQueue
{
    private Slot[] _slots = new Slot[16];
    private int _head;
    private int _count;
    private int _running = -1;

    public int Count => _count;

    /// <summary>The coroutine between <see cref="DequeueRunning"/> and <see cref="EndRunning"/>, or null.</summary>
    public Coroutine? Running => _running >= 0 ? _slots[_running].Coroutine : null;

    public void Enqueue(Coroutine coroutine)
    {
        if (_count >= _slots.Length - 1)
        {
            Grow();
        }

        int tail = _head + _count;
        if (tail >= _slots.Length)
        {
            tail -= _slots.Length;
        }

        _slots[tail].Coroutine = coroutine;
        _count++;
    }

    /// <summary>Takes the head as the running coroutine; its slot keeps it until <see cref="EndRunning"/>.</summary>
    public Coroutine DequeueRunning()
    {
        int head = _head;
        Coroutine coroutine = _slots[head].Coroutine!;
        _running = head;
        _head = head + 1 == _slots.Length ? 0 : head + 1;
        _count--;
        return coroutine;
    }

    public void EndRunning()
    {
        if (_running >= 0)
        {
            _slots[_running].Coroutine = null;
            _running = -1;
        }
    }

    /// <summary>Permutes the first <paramref name="count"/> queued coroutines (Fisher-Yates, driven by <paramref name="random"/>).</summary>
    public void Shuffle(int count, Random random)
    {
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            ref Slot a = ref _slots[(_head + i) % _slots.Length];
            ref Slot b = ref _slots[(_head + j) % _slots.Length];
            (a, b) = (b, a);
        }
    }

    /// <summary>Copies the queued coroutines, head first, for diagnostics.</summary>
    public Coroutine[] ToArray()
    {
        var items = new Coroutine[_count];
        for (int i = 0; i < _count; i++)
        {
            items[i] = _slots[(_head + i) % _slots.Length].Coroutine!;
        }

        return items;
    }

    private void Grow()
    {
        var bigger = new Slot[_slots.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _slots[(_head + i) % _slots.Length];
        }

        if (_running >= 0)
        {
            // The running coroutine moves to the last slot, which stays free until the queue grows again.
            bigger[^1] = _slots[_running];
            _running = bigger.Length - 1;
        }

        _slots = bigger;
        _head = 0;
    }

    private struct Slot
    {
        public Coroutine? Coroutine;
    }
}
