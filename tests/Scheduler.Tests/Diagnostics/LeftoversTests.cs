using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// Items still buffered in channels when the loop is disposed are reported, not silently dropped: a Warning per
/// channel with a stable event id, naming the loop, the channel and the count. Snapshots list those channels too.
/// </summary>
public class LeftoversTests
{
    private const int LeftoverEventId = 20;

    [Test]
    public void Dispose_ChannelsStillHoldItems_LogsAWarningPerChannelNamingItAndTheCount()
    {
        var logger = new CollectingLogger();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "shop" }, logger);
        var orders = new MessageChannel<int>(loop, capacity: 8, name: "orders");
        var empty = new MessageChannel<int>(loop, name: "empty");
        var anonymous = new MessageChannel<string>(loop);
        orders.TryWrite(1);
        orders.TryWrite(2);
        orders.TryWrite(3);
        anonymous.TryWrite("left");

        loop.Dispose();

        string[] expected =
        [
            "Warning 20 ChannelItemsLeftOver: Event loop shop was disposed with 3 item(s) still in channel 'orders'; nobody will read them",
            "Warning 20 ChannelItemsLeftOver: Event loop shop was disposed with 1 item(s) still in a channel of String; nobody will read them",
        ];
        Assert.That(logger.Entries.Select(e => $"{e.Level} {e.EventId.Id} {e.EventId.Name}: {e.Message}"), Is.EqualTo(expected));
        GC.KeepAlive(empty);
    }

    [Test]
    public void Dispose_AnItemHandedToAReaderThatNeverRan_IsReportedWithTheRest()
    {
        var logger = new CollectingLogger();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "shop" }, logger);
        var orders = new MessageChannel<int>(loop, name: "orders");
        loop.Spawn(Read(orders), "reader");
        loop.Tick();                 // the reader waits
        orders.TryWrite(1);          // handed to the waiting reader, which would take it next round
        orders.TryWrite(2);          // buffered

        loop.Dispose();              // the reader is disposed before its turn: its item goes back to the channel

        Assert.That(logger.Entries.Single(e => e.EventId.Id == LeftoverEventId).Message, Does.Contain("with 2 item(s) still in channel 'orders'"));

        static IEnumerator Read(MessageChannel<int> channel)
        {
            yield return channel.Read();
        }
    }

    [Test]
    public void Dispose_MailboxSentFromAnotherThreadBeforeDispose_IsReportedAsAMailbox()
    {
        var logger = new CollectingLogger();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "shop" }, logger);
        var commands = new Mailbox<string>(loop, "commands");
        var sender = new Thread(() => commands.Send("stop"));
        sender.Start();
        Assert.That(sender.Join(TimeSpan.FromSeconds(10)), Is.True);

        loop.Dispose();              // runs the inbox first, which delivers the value into the mailbox

        string[] expected = ["Event loop shop was disposed with 1 item(s) still in mailbox 'commands'; nobody will read them"];
        Assert.That(logger.Entries.Select(e => e.Message), Is.EqualTo(expected));
    }

    [Test]
    public void Dispose_EveryChannelDrained_LogsNothing()
    {
        var logger = new CollectingLogger();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        var orders = new MessageChannel<int>(loop, name: "orders");
        orders.TryWrite(1);
        orders.TryRead(out _);

        loop.Dispose();

        Assert.That(logger.Entries, Is.Empty);
        GC.KeepAlive(orders);
    }

    [Test]
    public void Snapshot_ListsOnlyChannelsThatHoldItems_InTheOrderTheyWereCreated()
    {
        using var loop = new EventLoop(new VirtualClock());
        var first = new MessageChannel<int>(loop, capacity: 1, name: "first");
        var drained = new MessageChannel<int>(loop, name: "drained");
        var last = new MessageChannel<int>(loop, name: "last");
        last.TryWrite(1);
        last.TryWrite(2);
        last.Complete();
        first.TryWrite(1);
        loop.Spawn(Write(first), "writer");
        loop.Tick();

        LoopSnapshot snapshot = loop.Snapshot();

        string[] expected = ["channel 'first': 1 buffered, capacity 1, 1 writer waiting", "channel 'last': 2 buffered, completed"];
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Channels.Select(c => c.ToString()), Is.EqualTo(expected));
            ChannelSnapshot channel = snapshot.Channels[1];
            Assert.That(channel.Description, Is.EqualTo("channel 'last'"));
            Assert.That(channel.Count, Is.EqualTo(2));
            Assert.That(channel.Capacity, Is.Null);
            Assert.That(channel.IsCompleted, Is.True);
            Assert.That(channel.WaitingReaders, Is.Zero);
            Assert.That(snapshot.Channels[0].WaitingWriters, Is.EqualTo(1));
        });
        GC.KeepAlive(drained);

        static IEnumerator Write(MessageChannel<int> channel)
        {
            yield return channel.Write(2);
        }
    }

    [Test]
    public void Snapshot_ItemHandedToAReaderThatHasNotRun_IsCountedAsHanded()
    {
        using var loop = new EventLoop(new VirtualClock());
        var orders = new MessageChannel<int>(loop, name: "orders");
        loop.Spawn(Read(orders), "reader");
        loop.Tick();
        orders.TryWrite(7);

        ChannelSnapshot channel = loop.Snapshot().Channels.Single();

        Assert.Multiple(() =>
        {
            Assert.That(channel.Count, Is.Zero);
            Assert.That(channel.HandedToReaders, Is.EqualTo(1));
            Assert.That(channel.ToString(), Is.EqualTo("channel 'orders': 0 buffered, 1 handed to a reader"));
        });

        static IEnumerator Read(MessageChannel<int> channel)
        {
            yield return channel.Read();
        }
    }

    [Test]
    public void Register_UnreferencedChannel_IsNotKeptAliveAndNotReported()
    {
        var logger = new CollectingLogger();
        var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        WeakReference channel = CreateChannelWithItems(loop);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Multiple(() =>
        {
            Assert.That(channel.IsAlive, Is.False, "the loop holds its channels weakly");
            Assert.That(loop.Snapshot().Channels, Is.Empty);
        });
        loop.Dispose();
        Assert.That(logger.Entries, Is.Empty);
    }

    [Test]
    public void Register_ManyChannelsCreatedAndDropped_TheRegistryIsPrunedAndStaysSmall()
    {
        using var loop = new EventLoop(new VirtualClock());
        for (int i = 0; i < 10_000; i++)
        {
            _ = new MessageChannel<int>(loop);
            if (i % 1_000 == 0)
            {
                GC.Collect();
            }
        }

        GC.Collect();
        var kept = new MessageChannel<int>(loop, name: "kept");
        kept.TryWrite(1);

        Assert.That(loop.Snapshot().Channels.Single().Description, Is.EqualTo("channel 'kept'"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateChannelWithItems(EventLoop loop)
    {
        var channel = new MessageChannel<int>(loop, name: "dropped");
        channel.TryWrite(1);
        return new WeakReference(channel);
    }
}
