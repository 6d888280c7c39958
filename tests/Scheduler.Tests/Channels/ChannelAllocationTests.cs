namespace Scheduler.Tests.Channels;

/// <summary>
/// Channels allocate nothing per item in steady state (issue 3: "steady-state allocations per operation for channel
/// ping-pong, target zero"). Two coroutines bounce an item back and forth through two channels; each keeps one read
/// wait and yields it for every item. <see cref="GC.GetAllocatedBytesForCurrentThread"/> counts what the test thread
/// allocated while the same coroutines ran a measured number of rounds after a warm-up of the same shape (JIT, queue
/// and buffer capacity, the coroutines' extras are paid before the window).
/// </summary>
public class ChannelAllocationTests
{
    private const int WarmUpRounds = 2_000;
    private const int MeasuredRounds = 100_000;

    [Test]
    public void PingPong_UnboundedTryWriteAndReusedReadWaits_AllocatesNothingPerItem()
    {
        using var loop = new EventLoop(new VirtualClock());
        var there = new MessageChannel<int>(loop);
        var back = new MessageChannel<int>(loop);
        var items = new Counter();
        loop.Spawn(Ping(there, back, items, useWrite: false), "ping");
        loop.Spawn(Pong(there, back, items, useWrite: false), "pong");

        AssertPingPongAllocatesNothing(loop, items, itemsPerRound: 1);
    }

    [Test]
    public void PingPong_CapacityOneWriteWaitsAndReusedReadWaits_AllocatesNothingPerItem()
    {
        using var loop = new EventLoop(new VirtualClock());
        var there = new MessageChannel<int>(loop, capacity: 1);
        var back = new MessageChannel<int>(loop, capacity: 1);
        var items = new Counter();
        loop.Spawn(Ping(there, back, items, useWrite: true), "ping");
        loop.Spawn(Pong(there, back, items, useWrite: true), "pong");

        // A write wait ends the step, but the two sides overlap (one writes while the other starts reading), so
        // one item still changes hands per round.
        AssertPingPongAllocatesNothing(loop, items, itemsPerRound: 1);
    }

    [Test]
    public void PingPong_MailboxesSendingOnTheLoopThread_AllocatesNothingPerItem()
    {
        using var loop = new EventLoop(new VirtualClock());
        var there = new Mailbox<int>(loop);
        var back = new Mailbox<int>(loop);
        var items = new Counter();
        loop.Spawn(MailPing(), "ping");
        loop.Spawn(MailPong(), "pong");

        AssertPingPongAllocatesNothing(loop, items, itemsPerRound: 1);

        IEnumerator MailPing()
        {
            ReadWait<int> reply = back.Receive();
            int value = 0;
            while (true)
            {
                there.Send(value);
                yield return reply;
                items.Value++;
                value = reply.Value + 1;
            }
        }

        IEnumerator MailPong()
        {
            ReadWait<int> request = there.Receive();
            while (true)
            {
                yield return request;
                items.Value++;
                back.Send(request.Value);
            }
        }
    }

    [Test]
    public void Write_ProducerAlwaysWaitingForRoom_AllocatesOneSmallWaitPerWaitingWrite()
    {
        // The one allocation of the channel API, by design: a write that has to wait carries its item in a wait
        // object (Write returns a cached wait when there is room). Pinned so that it stays one small object.
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 1);
        var items = new Counter();
        loop.Spawn(Flood(), "producer");
        loop.Spawn(Drain(), "consumer");

        for (int i = 0; i < WarmUpRounds; i++)
        {
            loop.Tick();
        }

        SettleHeap();
        long itemsBefore = items.Value;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < MeasuredRounds; i++)
        {
            loop.Tick();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long handedOver = items.Value - itemsBefore;
        double perItem = (double)allocated / handedOver;

        Assert.Multiple(() =>
        {
            Assert.That(handedOver, Is.GreaterThanOrEqualTo(MeasuredRounds / 2), "items handed over in the window");
            Assert.That(perItem, Is.LessThanOrEqualTo(40), $"allocated {allocated} bytes over {handedOver} items ({perItem:0.###} bytes per item)");
        });

        IEnumerator Flood()
        {
            int value = 0;
            while (true)
            {
                yield return channel.Write(value++); // the channel is full every time: the write waits
            }
        }

        IEnumerator Drain()
        {
            ReadWait<int> read = channel.Read();
            while (true)
            {
                yield return read;
                items.Value++;
            }
        }
    }

    /// <summary>
    /// Runs the warm-up, then the measured rounds, and checks that items really flowed through the window (so it
    /// measured channel traffic, not an idle loop) and that nothing was allocated.
    /// </summary>
    private static void AssertPingPongAllocatesNothing(EventLoop loop, Counter items, int itemsPerRound)
    {
        for (int i = 0; i < WarmUpRounds; i++)
        {
            loop.Tick();
        }

        SettleHeap();
        long itemsBefore = items.Value;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < MeasuredRounds; i++)
        {
            loop.Tick();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long handedOver = items.Value - itemsBefore;

        Assert.Multiple(() =>
        {
            Assert.That(handedOver, Is.EqualTo((long)MeasuredRounds * itemsPerRound), "items handed over in the window");
            Assert.That(
                allocated,
                Is.Zero,
                $"allocated {allocated} bytes over {handedOver} items ({(double)allocated / handedOver:0.###} bytes per item)");
        });
    }

    private static IEnumerator Ping(MessageChannel<int> there, MessageChannel<int> back, Counter items, bool useWrite)
    {
        ReadWait<int> reply = back.Read();
        int value = 0;
        while (true)
        {
            if (useWrite)
            {
                yield return there.Write(value); // room: written at once; the wait only ends the step
            }
            else
            {
                there.TryWrite(value);
            }

            yield return reply;
            items.Value++;
            value = reply.Value + 1;
        }
    }

    private static IEnumerator Pong(MessageChannel<int> there, MessageChannel<int> back, Counter items, bool useWrite)
    {
        ReadWait<int> request = there.Read();
        while (true)
        {
            yield return request;
            items.Value++;
            if (useWrite)
            {
                yield return back.Write(request.Value);
            }
            else
            {
                back.TryWrite(request.Value);
            }
        }
    }

    private sealed class Counter
    {
        public long Value;
    }

    private static void SettleHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
