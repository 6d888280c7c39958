namespace Scheduler;

/// <summary>
/// The FIFO of coroutines that will step. A ring buffer of a struct wrapper: an array of a non-sealed class
/// would pay a covariance type check on every store, which measurably slows the hot path.
/// </summary>
internal sealed class ReadyQueue
{
    private Slot[] _slots = new Slot[16];
    private int _head;
    private int _count;

    public int Count => _count;

    public void Enqueue(Coroutine coroutine)
    {
        if (_count == _slots.Length)
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

    public Coroutine Dequeue()
    {
        ref Slot slot = ref _slots[_head];
        Coroutine coroutine = slot.Coroutine!;
        slot.Coroutine = null;
        if (++_head == _slots.Length)
        {
            _head = 0;
        }

        _count--;
        return coroutine;
    }

    private void Grow()
    {
        var bigger = new Slot[_slots.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _slots[(_head + i) % _slots.Length];
        }

        _slots = bigger;
        _head = 0;
    }

    private struct Slot
    {
        public Coroutine? Coroutine;
    }
}
