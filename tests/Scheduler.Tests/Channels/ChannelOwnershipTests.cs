using Scheduler.Tests.Support;

namespace Scheduler.Tests.Channels;

/// <summary>
/// A waiting reader owns the item it is handed (no <c>TryRead</c> can take it), and nothing is lost or
/// duplicated when a reader or a writer is canceled at any point of its wait (DESIGN.md, Known traps: "a channel
/// item lost when its reader is canceled"). Also: timeouts through <see cref="Wait.Any"/> leave no registration
/// behind, either way.
/// </summary>
public class ChannelOwnershipTests
{
    [Test]
    public void TryRead_ItemHandedToAWaitingReaderInTheSameStep_CannotStealIt()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop);
        loop.Spawn(MessageChannelTests.ReadAll(trace, loop, channel, "reader"), "reader");
        loop.Spawn(WriteThenSteal(), "writer");
        loop.Spawn(Thief(), "thief");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("writer-steal=False@2 thief-steal=False@2 reader:x@3"));

        IEnumerator WriteThenSteal()
        {
            yield return null; // the reader parks in round 1
            channel.TryWrite("x");
            trace.Add($"writer-steal={channel.TryRead(out _)}@{loop.TickCount}");
        }

        IEnumerator Thief()
        {
            yield return null;
            trace.Add($"thief-steal={channel.TryRead(out _)}@{loop.TickCount}");
        }
    }

    [Test]
    public void Read_ItemBufferedWhenTheReadIsYielded_IsTheReadersBeforeItResumes()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        channel.TryWrite(1);
        loop.Spawn(MessageChannelTests.ReadAll(trace, loop, channel, "reader"), "reader");
        loop.Tick(); // the reader yields its read: 1 is taken for it at once

        Assert.Multiple(() =>
        {
            Assert.That(channel.Count, Is.Zero);
            Assert.That(channel.TryRead(out _), Is.False);
        });
    }

    [Test]
    public void Cancel_ReaderHandedAnItemBeforeItRan_ItemGoesToTheNextWaitingReader()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop);
        Coroutine first = loop.Spawn(Guarded("r1"), "r1");
        loop.Spawn(Guarded("r2"), "r2");
        loop.Tick(); // both wait, r1 first
        channel.TryWrite("x"); // handed to r1, which runs next round
        Assert.That(channel.InFlightCount, Is.EqualTo(1));

        Assert.That(first.Cancel(), Is.True);
        loop.Tick(); // round 2: r1's turn is its disposal; x passes to r2
        loop.Tick(); // round 3: r2 takes x

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("r1:finally@2 r2:x@3"));
            Assert.That(first.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(channel.Count, Is.Zero);
        });

        IEnumerator Guarded(string name)
        {
            try
            {
                yield return MessageChannelTests.ReadAll(trace, loop, channel, name);
            }
            finally
            {
                trace.Add($"{name}:finally@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Cancel_ReaderHandedAnItemNoOtherReaderWaits_ItemGoesBackToTheFrontOfTheBuffer()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop);
        Coroutine reader = loop.Spawn(ReadForever(channel), "reader");
        loop.Tick();
        channel.TryWrite("x"); // handed to the reader
        channel.TryWrite("y"); // buffered
        channel.TryWrite("z");

        reader.Cancel();
        loop.Tick();

        var left = new List<string>();
        while (channel.TryRead(out string? item))
        {
            left.Add(item);
        }

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(" ", left), Is.EqualTo("x y z"), "x is back at the front: order is kept");
            Assert.That(channel.InFlightCount, Is.Zero);
        });
    }

    [Test]
    public void Cancel_ReaderHandedAnItemOnAFullBoundedChannel_ItemStillFitsAndNothingIsLost()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop, capacity: 2);
        Coroutine reader = loop.Spawn(ReadForever(channel), "reader");
        loop.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(channel.TryWrite(1), Is.True); // handed to the reader, counted against the capacity
            Assert.That(channel.TryWrite(2), Is.True);
            Assert.That(channel.TryWrite(3), Is.False, "1 in flight + 2 buffered = capacity");
        });

        reader.Cancel();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(channel.Count, Is.EqualTo(2));
            Assert.That(channel.TryRead(out int a) && channel.TryRead(out int b) ? $"{a} {b}" : "lost", Is.EqualTo("1 2"));
        });
    }

    [Test]
    public void Cancel_ReaderHandedAnItemAfterCompletion_ItemStaysReadableAndLaterReadersSeeItBeforeCompletion()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        Coroutine first = loop.Spawn(ReadForever(channel), "first");
        loop.Spawn(MessageChannelTests.ReadAll(trace, loop, channel, "second"), "second");
        loop.Tick();
        channel.TryWrite(9); // handed to first
        channel.Complete();  // not drained: 9 is in flight, so second keeps waiting

        first.Cancel();
        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("second:9@3 second:end@4"));
    }

    [Test]
    public void Cancel_ReaderStillWaiting_UnlinkedAtOnceAndTheNextItemIsBuffered()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        Coroutine reader = loop.Spawn(ReadForever(channel), "reader");
        loop.Tick();
        Assert.That(channel.WaitingReaderCount, Is.EqualTo(1));

        reader.Cancel();

        Assert.Multiple(() =>
        {
            Assert.That(channel.WaitingReaderCount, Is.Zero, "no user code runs, but the registration goes at once");
            Assert.That(channel.TryWrite(1), Is.True);
            Assert.That(channel.Count, Is.EqualTo(1));
            Assert.That(channel.InFlightCount, Is.Zero);
        });
    }

    [Test]
    public void Dispose_ReaderHoldingAnItemItNeverTook_ItemStaysInTheChannel()
    {
        var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop);
        Coroutine reader = loop.Spawn(ReadForever(channel), "reader");
        loop.Tick();
        channel.TryWrite("x"); // handed to the reader, which never runs again

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(channel.TryRead(out string? item), Is.True, "shutdown drops no item");
            Assert.That(item, Is.EqualTo("x"));
        });
    }

    [Test]
    public void Cancel_WriterWaitingForRoom_RemovedAtOnceItsItemNeverWrittenTheNextWriterGetsTheSlot()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop, capacity: 1);
        channel.TryWrite("a");
        Coroutine w1 = loop.Spawn(MessageChannelTests.WriteItem(channel, "b"), "w1");
        Coroutine w2 = loop.Spawn(MessageChannelTests.WriteItem(channel, "c"), "w2");
        loop.Tick();
        Assert.That(channel.WaitingWriterCount, Is.EqualTo(2));

        w1.Cancel();
        Assert.That(channel.WaitingWriterCount, Is.EqualTo(1), "unlinked on the spot");
        channel.TryRead(out _); // room: c goes in, not b
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(channel.TryRead(out string? item), Is.True);
            Assert.That(item, Is.EqualTo("c"));
            Assert.That(channel.TryRead(out _), Is.False);
            Assert.That(w1.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(w2.State, Is.EqualTo(CoroutineState.Completed));
        });
    }

    [Test]
    public void Cancel_WriterWhoseItemWentInBeforeItRan_ItemIsWrittenOnce()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<string>(loop, capacity: 1);
        channel.TryWrite("a");
        Coroutine writer = loop.Spawn(MessageChannelTests.WriteItem(channel, "b"), "writer");
        loop.Tick();
        channel.TryRead(out _); // room: b goes in now, and the writer is queued to resume

        writer.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(writer.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(channel.TryRead(out string? item), Is.True);
            Assert.That(item, Is.EqualTo("b"));
            Assert.That(channel.TryRead(out _), Is.False);
        });
    }

    [Test]
    public void AnyReadOrTimeout_ItemArrivesFirst_ReadFiresAndTheTimerIsRemoved()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var channel = new MessageChannel<int>(loop);
        ReadWait<int> read = channel.Read();
        AnyWait any = Wait.Any(read, Wait.For(TimeSpan.FromSeconds(5)));
        Coroutine reader = loop.Spawn(YieldOnce(any), "reader");
        loop.Tick();
        Assert.That(loop.PendingTimerCount, Is.EqualTo(1));

        channel.TryWrite(42);
        Assert.That(loop.PendingTimerCount, Is.Zero, "the timeout's timer went when the read fired");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(any.FiredIndex, Is.Zero);
            Assert.That(read.Value, Is.EqualTo(42));
            Assert.That(channel.WaitingReaderCount, Is.Zero);
        });
    }

    [Test]
    public void AnyReadOrTimeout_ItemAlreadyBuffered_ReadFiresWithoutSettingATimer()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        channel.TryWrite(42);
        ReadWait<int> read = channel.Read();
        AnyWait any = Wait.Any(read, Wait.For(TimeSpan.FromSeconds(5)));
        loop.Spawn(YieldOnce(any), "reader");

        loop.Tick();
        Assert.That(loop.PendingTimerCount, Is.Zero);
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(any.FiredIndex, Is.Zero);
            Assert.That(read.Value, Is.EqualTo(42));
        });
    }

    [Test]
    public void AnyReadOrTimeout_TimeoutFiresFirst_ReaderRemovedFromTheChannelAndALaterItemIsBuffered()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var channel = new MessageChannel<int>(loop);
        ReadWait<int> read = channel.Read();
        AnyWait any = Wait.Any(read, Wait.For(TimeSpan.FromSeconds(5)));
        Coroutine reader = loop.Spawn(YieldOnce(any), "reader");
        loop.Tick();
        Assert.That(channel.WaitingReaderCount, Is.EqualTo(1));

        clock.Advance(TimeSpan.FromSeconds(5));
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(any.FiredIndex, Is.EqualTo(1));
            Assert.That(read.HasValue, Is.False);
            Assert.That(channel.WaitingReaderCount, Is.Zero, "the losing read left no registration behind");
        });

        channel.TryWrite(7);
        Assert.Multiple(() =>
        {
            Assert.That(channel.Count, Is.EqualTo(1), "buffered, not handed to a reader that is gone");
            Assert.That(channel.InFlightCount, Is.Zero);
        });
    }

    [Test]
    public void AnyReadOrTimeout_ReaderCanceledAfterTheReadFired_ItemGoesBackToTheChannel()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        Coroutine reader = loop.Spawn(YieldOnce(Wait.Any(channel.Read(), Wait.For(TimeSpan.FromSeconds(5)))), "reader");
        loop.Tick();
        channel.TryWrite(42);

        reader.Cancel();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(channel.TryRead(out int item), Is.True);
            Assert.That(item, Is.EqualTo(42));
            Assert.That(loop.PendingTimerCount, Is.Zero);
        });
    }

    [Test]
    public void AnyWriteOrTimeout_TimeoutFiresFirst_WriterRemovedAndItsItemNotWritten()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var channel = new MessageChannel<string>(loop, capacity: 1);
        channel.TryWrite("a");
        AnyWait? any = null;
        loop.Spawn(WriteOrGiveUp(), "writer");
        loop.Tick();
        Assert.That(channel.WaitingWriterCount, Is.EqualTo(1));

        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Tick();
        channel.TryRead(out _);

        Assert.Multiple(() =>
        {
            Assert.That(any!.FiredIndex, Is.EqualTo(1));
            Assert.That(channel.WaitingWriterCount, Is.Zero);
            Assert.That(channel.Count, Is.Zero, "the writer gave up: b was not written when room came");
        });

        IEnumerator WriteOrGiveUp()
        {
            any = Wait.Any(channel.Write("b"), Wait.For(TimeSpan.FromSeconds(1)));
            yield return any;
        }
    }

    [Test]
    public void AllOfTwoReads_OwnerCanceledWithOneItemTaken_ThatItemGoesBack()
    {
        using var loop = new EventLoop(new VirtualClock());
        var left = new MessageChannel<int>(loop);
        var right = new MessageChannel<int>(loop);
        left.TryWrite(1);
        Coroutine reader = loop.Spawn(YieldOnce(Wait.All(left.Read(), right.Read())), "reader");
        loop.Tick();
        Assert.That(left.InFlightCount, Is.EqualTo(1), "the left read took its item; the right one waits");

        reader.Cancel();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(left.Count, Is.EqualTo(1));
            Assert.That(left.InFlightCount, Is.Zero);
            Assert.That(right.WaitingReaderCount, Is.Zero);
        });
    }

    private static IEnumerator YieldOnce(WaitCondition wait)
    {
        yield return wait;
    }

    private static IEnumerator ReadForever<T>(MessageChannel<T> channel)
    {
        ReadWait<T> read = channel.Read();
        while (true)
        {
            yield return read;
        }
    }
}
