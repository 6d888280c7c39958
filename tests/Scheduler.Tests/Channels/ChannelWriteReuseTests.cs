namespace Scheduler.Tests.Channels;

/// <summary>
/// A producer held back by a full channel reuses its write waits (issue 6: "0 B per item" for a bounded
/// pipeline), and the rule that comes with reuse, "yield a write wait once", fails loudly when broken.
/// </summary>
public class ChannelWriteReuseTests
{
    [Test]
    public void Write_ProducerFasterThanItsReaderOnAFullChannel_AllocatesNothingPerItem()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 4);
        long received = 0;
        loop.Spawn(Produce(), "producer");
        loop.Spawn(Consume(), "consumer");
        for (int i = 0; i < 2_000; i++)
        {
            loop.Tick(); // warm up: JIT, buffer, the pool's one write wait
        }

        long before = received;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            loop.Tick();
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        long items = received - before;

        Assert.Multiple(() =>
        {
            Assert.That(items, Is.EqualTo(50_000), "the producer waits every other round: one item per two rounds");
            Assert.That(allocated, Is.Zero, $"{allocated} bytes for {items} items");
        });

        IEnumerator Produce()
        {
            for (int i = 0; ; i++)
            {
                yield return channel.Write(i); // the channel is full: every write waits for room
            }
        }

        IEnumerator Consume()
        {
            ReadWait<int> read = channel.Read();
            int expected = 0;
            while (true)
            {
                yield return read;
                if (read.Value != expected++)
                {
                    throw new InvalidOperationException($"item {read.Value} arrived where {expected - 1} was due");
                }

                received++;
                yield return null; // half the producer's speed, so the channel stays full
            }
        }
    }

    [Test]
    public void Write_WaitYieldedAgainAfterItResumed_ThrowsAndTheItemIsWrittenOnce()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop, capacity: 1);
        channel.TryWrite("first");
        Coroutine writer = loop.Spawn(WriteTwice(), "writer");
        loop.Tick();                                  // the write waits: the channel is full
        Assert.That(channel.TryRead(out string? first), Is.True);
        loop.RunUntilIdle();                          // room: "second" goes in, the writer resumes and re-yields

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("first"));
            Assert.That(writer.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(writer.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(writer.Exception!.Message, Does.Contain("yielded a write wait of").And.Contain("a second time"));
            Assert.That(channel.Count, Is.EqualTo(1));
            Assert.That(channel.TryRead(out string? second) ? second : null, Is.EqualTo("second"));
        });

        IEnumerator WriteTwice()
        {
            WaitCondition write = channel.Write("second");
            yield return write;
            yield return write; // breaks the rule: a write wait is yielded once
        }
    }
}
