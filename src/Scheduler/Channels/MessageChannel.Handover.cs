using System.Threading.Channels;

namespace Scheduler;

// Hand-over: where an item is between its write and its read, and why nothing is lost on cancel.
//
// An item written to the channel is in one of two places: the buffer (readable by TryRead and by the next read
// wait), or "in flight": handed to a reader that was waiting, which takes it at the start of its next turn
// (IPendingGrant.Accept). An item in flight belongs to that reader alone, so a TryRead by another coroutine in
// the same round cannot take it. If the reader ends before its turn (canceled, or faulted by a join), the loop
// declines the grant and the item goes to the next waiting reader, or back to the front of the buffer: it is
// never lost and never delivered twice.
//
// Invariants (loop thread only, so no locks):
// - readers wait only while the buffer is empty: a reader that finds an item takes it at once, and a write
//   hands its item to the first waiting reader instead of buffering it;
// - writers wait only while the channel is full (buffered + in flight >= capacity): every place a slot frees
//   (TryRead, a reader taking its item) moves the first waiting writer's item in, so a new write never
//   overtakes a waiting one;
// - capacity counts items in flight too, so an item that comes back from a canceled reader always fits.
// Waiting readers and writers sit in WaiterLists, FIFO with O(1) removal, through their ReadWait / WriteWait
// (see ReadWait for why the wait itself stands in the list for the coroutine).

public sealed partial class MessageChannel<T>
{
    /// <summary>A read wait was yielded: hand it the first buffered item, report completion, or park it.</summary>
    internal void ParkReader(ReadWait<T> read, IWaiter waiter)
    {
        if (_buffer.Count > 0)
        {
            _inFlight++; // the item stays counted against the capacity until the reader takes it
            read.Grant(_loop, waiter, _buffer.PopFront());
            return;
        }

        if (Drained)
        {
            waiter.Wake(_loop, null, _error);
            return;
        }

        read.Enqueue(waiter, _readers);
    }

    /// <summary>A write wait was yielded (the channel was full when <see cref="Write"/> was called).</summary>
    internal void ParkWriter(WriteWait<T> write, IWaiter waiter)
    {
        if (_completed)
        {
            waiter.Wake(_loop, null, Closed());
            return;
        }

        if (HasRoom)
        {
            Deliver(write.Item);
            write.MarkWritten();
            waiter.Wake(_loop, null, null);
            return;
        }

        write.Enqueue(waiter, _writers);
    }

    /// <summary>A reader took the item it was handed, at the start of its turn.</summary>
    internal void OnItemTaken()
    {
        _inFlight--;
        AdmitWriters();
        WakeReadersIfDrained();
    }

    /// <summary>A reader ended before taking <paramref name="item"/>: it goes to the next waiting reader, or back to the front.</summary>
    internal void OnItemReturned(T item)
    {
        if (_readers.TakeFirst() is ReadWait<T> next)
        {
            next.Grant(_loop, item); // still in flight: the count does not change
            return;
        }

        _inFlight--;
        _buffer.PushFront(item);
    }

    /// <summary>Throws unless <paramref name="loop"/> is this channel's loop (a coroutine of another loop yielded one of its waits).</summary>
    internal void CheckLoop(EventLoop loop, string action)
    {
        if (!ReferenceEquals(loop, _loop))
        {
            throw new InvalidOperationException(
                $"{loop.CurrentCoroutine} cannot {action} {this}: the channel belongs to another event loop.");
        }
    }

    private void Deliver(T item)
    {
        if (_readers.TakeFirst() is ReadWait<T> reader)
        {
            _inFlight++;
            reader.Grant(_loop, item);
        }
        else
        {
            _buffer.PushBack(item);
        }
    }

    /// <summary>A slot freed: let waiting writers' items in, first come first served, while there is room.</summary>
    private void AdmitWriters()
    {
        while (_writers.Count > 0 && HasRoom && _writers.TakeFirst() is WriteWait<T> writer)
        {
            Deliver(writer.Item);
            writer.Accepted(_loop);
        }
    }

    private void WakeReadersIfDrained()
    {
        if (!Drained)
        {
            return;
        }

        while (_readers.TakeFirst() is ReadWait<T> reader)
        {
            reader.Finish(_loop, _error);
        }
    }

    private ChannelClosedException Closed() =>
        new($"{this} is completed: no more items can be written.", _error);

    private void CheckLoopThread()
    {
        if (!_loop.IsLoopThread)
        {
            throw new InvalidOperationException(
                $"{this} belongs to the event loop's thread, but was used from thread {Environment.CurrentManagedThreadId}. " +
                "Use a Mailbox<T> (Send is safe from any thread) or EventLoop.Post to hand values to the loop.");
        }
    }
}
