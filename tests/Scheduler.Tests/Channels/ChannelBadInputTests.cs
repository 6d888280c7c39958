namespace Scheduler.Tests.Channels;

/// <summary>Misuse of channels and mailboxes fails with an exception that says what was wrong, never a hang or a lost item.</summary>
public class ChannelBadInputTests
{
    [Test]
    public void Constructor_NullLoopOrCapacityBelowOne_Throws()
    {
        using var loop = new EventLoop(new VirtualClock());

        Assert.Multiple(() =>
        {
            Assert.That(() => new MessageChannel<int>(null!), Throws.ArgumentNullException);
            Assert.That(() => new MessageChannel<int>(null!, 4), Throws.ArgumentNullException);
            Assert.That(() => new MessageChannel<int>(loop, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new Mailbox<int>(null!), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void TryWrite_FromAnotherThread_ThrowsInvalidOperationPointingToMailbox()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        Exception? thrown = null;

        var other = new Thread(() => thrown = Catch(() => channel.TryWrite(1)));
        other.Start();
        other.Join();

        Assert.That(thrown, Is.TypeOf<InvalidOperationException>().With.Message.Contains("Mailbox"));
        Assert.That(channel.Count, Is.Zero);
    }

    [Test]
    public void Read_YieldedByACoroutineOfAnotherLoop_FaultsItNamingTheChannel()
    {
        using var home = new EventLoop(new VirtualClock());
        using var other = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(home);
        Coroutine stranger = other.Spawn(YieldOnce(channel.Read()), "stranger");

        other.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(stranger.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(stranger.Exception, Is.TypeOf<InvalidOperationException>());
            Assert.That(stranger.Exception!.Message, Does.Contain("stranger").And.Contain("another event loop").And.Contain("MessageChannel<Int32>"));
        });
    }

    [Test]
    public void Read_SameReadWaitYieldedWhileAnotherCoroutineWaitsOnIt_SecondFaultsFirstStillGetsTheItem()
    {
        using var loop = new EventLoop(new VirtualClock());
        var channel = new MessageChannel<int>(loop);
        ReadWait<int> shared = channel.Read();
        Coroutine first = loop.Spawn(YieldOnce(shared), "first");
        Coroutine second = loop.Spawn(YieldOnce(shared), "second");

        loop.Tick();
        channel.TryWrite(5);
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(second.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(second.Exception!.Message, Does.Contain("still in use").And.Contain("second"));
            Assert.That(first.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(shared.Value, Is.EqualTo(5));
        });
    }

    [Test]
    public void Value_BeforeAnyItemArrived_ThrowsInvalidOperationSayingCheckHasValue()
    {
        using var loop = new EventLoop(new VirtualClock());
        ReadWait<int> read = new MessageChannel<int>(loop).Read();

        Assert.Multiple(() =>
        {
            Assert.That(read.HasValue, Is.False);
            Assert.That(() => read.Value, Throws.InvalidOperationException.With.Message.Contains("HasValue"));
        });
    }

    [Test]
    public void Read_ReusedAfterLosingAnAnyToATimeout_ReadsTheNextItem()
    {
        var clock = new VirtualClock();
        using var loop = new EventLoop(clock);
        var channel = new MessageChannel<int>(loop);
        ReadWait<int> read = channel.Read();
        Coroutine reader = loop.Spawn(Body(), "reader");
        loop.Tick();
        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Tick(); // the timeout wins; the reader yields the same read again, alone
        channel.TryWrite(3);
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(read.Value, Is.EqualTo(3));
        });

        IEnumerator Body()
        {
            yield return Wait.Any(read, Wait.For(TimeSpan.FromSeconds(1)));
            yield return read;
        }
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static IEnumerator YieldOnce(WaitCondition wait)
    {
        yield return wait;
    }
}
