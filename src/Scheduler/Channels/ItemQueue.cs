namespace Scheduler;

/// <summary>
/// The buffer of a <see cref="MessageChannel{T}"/>: a ring that grows by doubling. Items leave from the front and
/// arrive at the back, except an item whose reader ended before taking it, which goes back to the front so the
/// order of what is left is kept.
/// </summary>
internal sealed class ItemQueue<T>
{
    private T[] _items = [];
    private int _head;
    private int _count;

    public int Count => _count;

    public void PushBack(T item)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) % _items.Length] = item;
        _count++;
    }

    public void PushFront(T item)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _head = (_head == 0 ? _items.Length : _head) - 1;
        _items[_head] = item;
        _count++;
    }

    public T PopFront()
    {
        T item = _items[_head];
        _items[_head] = default!; // the channel must not keep a delivered item alive
        _head = (_head + 1) % _items.Length;
        _count--;
        return item;
    }

    private void Grow()
    {
        var larger = new T[_items.Length == 0 ? 4 : _items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            larger[i] = _items[(_head + i) % _items.Length];
        }

        _items = larger;
        _head = 0;
    }
}
