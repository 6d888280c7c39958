using System.Threading.Channels;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Channels;

/// <summary>
/// <see cref="MessageChannel{T}"/>: FIFO delivery, readers served in the order they waited, backpressure on a
/// bounded channel, and completion (buffered items first, then completion; writes after it fail). Every test
/// asserts exact rounds: a read wait yielded in round r resumes in round r + 1 at the earliest.
/// </summary>
public class MessageChannelTests
{
    [Test]
    public void Read_ItemsBufferedBeforeTheReaderStarts_ReceivedInWriteOrderOnePerRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        loop.Spawn(WriteAll(channel, 1, 2, 3, 4, 5), "writer");
        loop.Spawn(ReadAll(trace, loop, channel, "r"), "reader");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("r:1@2 r:2@3 r:3@4 r:4@5 r:5@6 r:end@7"));
    }

    [Test]
    public void Read_ReaderWaitsBeforeTheWrite_FirstItemHandedOverTheRestBuffered()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        loop.Spawn(ReadAll(trace, loop, channel, "r"), "reader"); // parks in round 1: nothing written yet
        loop.Spawn(WriteAll(channel, 1, 2, 3), "writer");

        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(channel.Count, Is.EqualTo(2), "1 went to the waiting reader; 2 and 3 are buffered");
            Assert.That(channel.InFlightCount, Is.EqualTo(1));
        });

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("r:1@2 r:2@3 r:3@4 r:end@5"));
    }

    [Test]
    public void Read_ThreeReadersWaitingInADifferentOrderThanSpawned_ServedInTheOrderTheyWaited()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop);
        loop.Spawn(ReadOnce(trace, loop, channel, "a", delay: 2), "a"); // waits from round 3
        loop.Spawn(ReadOnce(trace, loop, channel, "b", delay: 0), "b"); // waits from round 1
        loop.Spawn(ReadOnce(trace, loop, channel, "c", delay: 1), "c"); // waits from round 2
        loop.Spawn(WriteLater(channel, 3, "x", "y", "z"), "writer");   // writes in round 4

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("b:x@5 c:y@5 a:z@5"));
    }

    [Test]
    public void Write_BoundedChannelOfTwo_ProducerWaitsForRoomAtExactRounds()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 2);
        loop.Spawn(Produce(), "producer");
        loop.Spawn(Consume(), "consumer");

        loop.RunUntilIdle();

        // Rounds 1-2 fill the channel; the third write waits until the consumer (which starts reading in round 4)
        // takes its first item in round 5. From then on the producer runs in lockstep with the consumer.
        Assert.That(
            trace.ToString(),
            Is.EqualTo("w1@2 w2@3 r1@5 w3@6 r2@6 w4@7 r3@7 w5@8 r4@8 r5@9 end@10"));

        IEnumerator Produce()
        {
            for (int i = 1; i <= 5; i++)
            {
                yield return channel.Write(i);
                trace.Add($"w{i}@{loop.TickCount}");
            }

            channel.Complete();
        }

        IEnumerator Consume()
        {
            yield return Wait.Ticks(3);
            ReadWait<int> read = channel.Read();
            while (true)
            {
                yield return read;
                if (!read.HasValue)
                {
                    trace.Add($"end@{loop.TickCount}");
                    yield break;
                }

                trace.Add($"r{read.Value}@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Write_FullChannel_WaitingWritersGetRoomInTheOrderTheyWaited()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop, capacity: 1);
        Assert.That(channel.TryWrite("first"), Is.True);
        loop.Spawn(WriteOne("w1"), "w1");
        loop.Spawn(WriteOne("w2"), "w2");
        loop.Spawn(WriteOne("w3"), "w3");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(channel.WaitingWriterCount, Is.EqualTo(3));
            Assert.That(channel.TryWrite("barging"), Is.False, "no room: the channel holds one item");
        });

        var drained = new List<string>();
        for (int round = 0; round < 4; round++)
        {
            Assert.That(channel.TryRead(out string? item), Is.True);
            drained.Add(item!);
            loop.Tick();
        }

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(" ", drained), Is.EqualTo("first w1 w2 w3"));
            Assert.That(trace.ToString(), Is.EqualTo("w1@2 w2@3 w3@4"));
        });

        IEnumerator WriteOne(string item)
        {
            yield return channel.Write(item);
            trace.Add($"{item}@{loop.TickCount}");
        }
    }

    [Test]
    public void TryWrite_BoundedChannel_RefusedWhenFullAcceptedAfterARead()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 2);

        Assert.Multiple(() =>
        {
            Assert.That(channel.TryWrite(1), Is.True);
            Assert.That(channel.TryWrite(2), Is.True);
            Assert.That(channel.TryWrite(3), Is.False);
            Assert.That(channel.TryRead(out int first), Is.True);
            Assert.That(first, Is.EqualTo(1));
            Assert.That(channel.TryWrite(3), Is.True);
            Assert.That(channel.Count, Is.EqualTo(2));
            Assert.That(channel.Capacity, Is.EqualTo(2));
            Assert.That(new MessageChannel<int>(loop).Capacity, Is.Null);
        });
    }

    [Test]
    public void Complete_ItemsStillBuffered_ReadersDrainThemThenSeeCompletion()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        channel.TryWrite(1);
        channel.TryWrite(2);
        channel.Complete();
        Coroutine reader = loop.Spawn(ReadAll(trace, loop, channel, "r"), "reader");

        Assert.Multiple(() =>
        {
            Assert.That(channel.IsCompleted, Is.True);
            Assert.That(channel.IsDrained, Is.False, "two items are still buffered");
            Assert.That(channel.TryWrite(3), Is.False);
        });

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r:1@2 r:2@3 r:end@4"));
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(channel.IsDrained, Is.True);
            Assert.That(channel.CompletionError, Is.Null);
        });
    }

    [Test]
    public void Complete_ReadersWaitingOnAnEmptyChannel_AllResumeNextRoundInWaitOrderWithNoValue()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        loop.Spawn(ReadAll(trace, loop, channel, "a"), "a");
        loop.Spawn(ReadAll(trace, loop, channel, "b"), "b");
        loop.Tick();
        loop.Tick();

        channel.Complete();
        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("a:end@3 b:end@3"));
    }

    [Test]
    public void Complete_WithAnError_ReaderDrainsThenFaultsWithTheSameInstanceAndItsFinallyRuns()
    {
        var trace = new Trace();
        var error = new InvalidOperationException("producer failed");
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        channel.TryWrite(7);
        Coroutine reader = loop.Spawn(Guarded(), "reader");
        Coroutine waiting = loop.Spawn(ReadAll(trace, loop, channel, "w"), "waiting"); // parks: 7 is the reader's
        loop.Tick();

        channel.Complete(error);
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r:7@2 r:finally@3"));
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(reader.Exception, Is.SameAs(error));
            Assert.That(waiting.State, Is.EqualTo(CoroutineState.Faulted), "the second reader waited on the drained channel");
            Assert.That(waiting.Exception, Is.SameAs(error));
            Assert.That(channel.CompletionError, Is.SameAs(error));
        });

        IEnumerator Guarded()
        {
            try
            {
                yield return ReadAll(trace, loop, channel, "r");
            }
            finally
            {
                trace.Add($"r:finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Write_AfterComplete_TryWriteFalseAndWriteThrowsChannelClosed()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        var error = new TimeoutException("upstream gone");
        channel.Complete(error);

        ChannelClosedException? thrown = Assert.Throws<ChannelClosedException>(() => channel.Write(1));

        Assert.Multiple(() =>
        {
            Assert.That(channel.TryWrite(1), Is.False);
            Assert.That(thrown!.Message, Does.Contain("MessageChannel<Int32>").And.Contain("completed"));
            Assert.That(thrown.InnerException, Is.SameAs(error));
        });
    }

    [Test]
    public void Complete_WritersWaitingForRoom_FaultWithChannelClosedAndTheirItemsAreNotWritten()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop, capacity: 1);
        channel.TryWrite("kept");
        Coroutine writer = loop.Spawn(WriteItem(channel, "dropped"), "writer");
        loop.Tick();
        Assert.That(channel.WaitingWriterCount, Is.EqualTo(1));

        channel.Complete();
        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(writer.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(writer.Exception, Is.TypeOf<ChannelClosedException>());
            Assert.That(writer.Exception!.Message, Does.Contain("completed"));
            Assert.That(channel.WaitingWriterCount, Is.Zero);
            Assert.That(channel.TryRead(out string? item), Is.True);
            Assert.That(item, Is.EqualTo("kept"));
            Assert.That(channel.TryRead(out _), Is.False, "the waiting writer's item was never written");
        });
    }

    [Test]
    public void Complete_Twice_ThrowsInvalidOperationTryCompleteReturnsFalse()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        channel.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(() => channel.Complete(), Throws.InvalidOperationException.With.Message.Contains("already completed"));
            Assert.That(channel.TryComplete(new InvalidOperationException("late")), Is.False);
            Assert.That(channel.CompletionError, Is.Null, "the first completion stands");
        });
    }

    [Test]
    public void Read_CompletedAndDrained_ResumesNextRoundWithNoValue()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        channel.Complete();
        Coroutine reader = loop.Spawn(ReadAll(trace, loop, channel, "r"), "reader");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r:end@2"));
            Assert.That(reader.Steps, Is.EqualTo(2), "a read on a drained channel still ends the step");
        });
    }

    [Test]
    public void Write_YieldedTwiceAfterItWasWritten_WritesTheItemOnce()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 1);
        channel.TryWrite(1);
        loop.Spawn(WriteTwice(), "writer");
        loop.Tick();
        channel.TryRead(out _); // room: the waiting write goes in
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(channel.TryRead(out int item), Is.True);
            Assert.That(item, Is.EqualTo(2));
            Assert.That(channel.TryRead(out _), Is.False);
        });

        IEnumerator WriteTwice()
        {
            WaitCondition write = channel.Write(2);
            yield return write;
            yield return write;
        }
    }

    internal static IEnumerator WriteAll<T>(MessageChannel<T> channel, params T[] items)
    {
        foreach (T item in items)
        {
            Assert.That(channel.TryWrite(item), Is.True);
        }

        channel.Complete();
        yield break;
    }

    internal static IEnumerator WriteItem<T>(MessageChannel<T> channel, T item)
    {
        yield return channel.Write(item);
    }

    internal static IEnumerator ReadAll<T>(Trace trace, EventLoop loop, MessageChannel<T> channel, string name)
    {
        ReadWait<T> read = channel.Read();
        while (true)
        {
            yield return read;
            if (!read.HasValue)
            {
                trace.Add($"{name}:end@{loop.TickCount}");
                yield break;
            }

            trace.Add($"{name}:{read.Value}@{loop.TickCount}");
        }
    }

    private static IEnumerator ReadOnce<T>(Trace trace, EventLoop loop, MessageChannel<T> channel, string name, int delay)
    {
        for (int i = 0; i < delay; i++)
        {
            yield return null;
        }

        ReadWait<T> read = channel.Read();
        yield return read;
        trace.Add($"{name}:{read.Value}@{loop.TickCount}");
    }

    private static IEnumerator WriteLater<T>(MessageChannel<T> channel, int delay, params T[] items)
    {
        yield return Wait.Ticks(delay);
        foreach (T item in items)
        {
            channel.TryWrite(item);
        }
    }
}
