using Scheduler.Tests.Support;

namespace Scheduler.Tests.Channels;

/// <summary>
/// <see cref="Mailbox{T}"/>, the seed's <c>coroutine.send(value)</c>: values are received in order at the
/// receiver's yield point, none lost, none twice; the loop primes the receiver itself, so values sent before it
/// reaches its first receive wait for it; senders may be coroutines, the loop thread, or any other thread.
/// Timeouts in the threaded tests are safety nets that turn a hang into a failure, never an oracle.
/// </summary>
public class MailboxTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(20);

    [Test]
    public void Send_BeforeTheReceiverFirstRuns_ValuesWaitNoPrimingNeeded()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<string>(loop);
        Coroutine coro = loop.Spawn(MyCoro(), "my_coro");

        Assert.Multiple(() =>
        {
            Assert.That(inbox.Send("spam"), Is.True); // Python needs next(c) first; here the loop primes
            Assert.That(inbox.Send("eggs"), Is.True);
        });
        loop.RunUntilIdle();
        inbox.Complete();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("start@1 spam@2 eggs@3 end@5"));
            Assert.That(coro.State, Is.EqualTo(CoroutineState.Completed));
        });

        IEnumerator MyCoro()
        {
            trace.Add($"start@{loop.TickCount}");
            ReadWait<string> received = inbox.Receive();
            while (true)
            {
                yield return received; // val = yield
                if (!received.HasValue)
                {
                    trace.Add($"end@{loop.TickCount}");
                    yield break;
                }

                trace.Add($"{received.Value}@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Send_FromACoroutine_ReceiverWaitingResumesNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<int>(loop);
        loop.Spawn(Receiver(), "receiver");
        loop.Spawn(Sender(), "sender");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("sent1@2 got1@3 sent2@3 got2@4"));

        IEnumerator Receiver()
        {
            ReadWait<int> received = inbox.Receive();
            for (int i = 0; i < 2; i++)
            {
                yield return received;
                trace.Add($"got{received.Value}@{loop.TickCount}");
            }
        }

        IEnumerator Sender()
        {
            for (int i = 1; i <= 2; i++)
            {
                yield return null;
                inbox.Send(i);
                trace.Add($"sent{i}@{loop.TickCount}");
            }
        }
    }

    [Test]
    public void Send_FromAnotherThread_DeliveredAtTheStartOfTheNextRoundAndTheReceiverRunsThatRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<string>(loop);
        loop.Spawn(Receiver(), "receiver");
        loop.Tick(); // round 1: the receiver waits

        var sender = new Thread(() => inbox.Send("hello"));
        sender.Start();
        Assert.That(sender.Join(s_safetyNet), Is.True);
        Assert.That(inbox.Count, Is.Zero, "not in the mailbox until the loop takes its inbox");
        loop.Tick(); // round 2: phase (a) delivers, phase (c) runs the receiver

        Assert.That(trace.ToString(), Is.EqualTo("hello@2"));

        IEnumerator Receiver()
        {
            ReadWait<string> received = inbox.Receive();
            yield return received;
            trace.Add($"{received.Value}@{loop.TickCount}");
        }
    }

    [Test]
    public void Send_ThousandFromEachOfFourThreads_AllReceivedOnceInOrderPerSender()
    {
        const int Senders = 4;
        const int PerSender = 1_000;
        using var loop = new EventLoop();
        var inbox = new Mailbox<(int Sender, int Seq)>(loop);
        int[] next = new int[Senders];
        int outOfOrder = 0;
        int received = 0;
        Coroutine receiver = loop.Spawn(Receive(), "receiver");

        using var startLine = new Barrier(Senders);
        var faults = new Exception?[Senders];
        var threads = new Thread[Senders];
        for (int s = 0; s < Senders; s++)
        {
            int sender = s;
            threads[s] = new Thread(() =>
            {
                try
                {
                    startLine.SignalAndWait();
                    for (int seq = 0; seq < PerSender; seq++)
                    {
                        if (!inbox.Send((sender, seq)))
                        {
                            throw new InvalidOperationException("refused");
                        }
                    }
                }
                catch (Exception ex)
                {
                    faults[sender] = ex;
                }
            });
            threads[s].Start();
        }

        using var safety = new CancellationTokenSource(s_safetyNet);
        loop.Run(safety.Token); // returns when the receiver has ended
        foreach (Thread thread in threads)
        {
            Assert.That(thread.Join(s_safetyNet), Is.True);
        }

        Assert.Multiple(() =>
        {
            Assert.That(safety.IsCancellationRequested, Is.False, "the loop ran until the receiver ended");
            Assert.That(faults, Is.All.Null);
            Assert.That(receiver.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(received, Is.EqualTo(Senders * PerSender));
            Assert.That(outOfOrder, Is.Zero);
            Assert.That(next, Is.All.EqualTo(PerSender));
            Assert.That(inbox.TryReceive(out _), Is.False, "nothing received twice, nothing left over");
        });

        IEnumerator Receive()
        {
            ReadWait<(int Sender, int Seq)> message = inbox.Receive();
            while (received < Senders * PerSender)
            {
                yield return message;
                (int sender, int seq) = message.Value;
                if (seq != next[sender])
                {
                    outOfOrder++;
                }

                next[sender] = seq + 1;
                received++;
            }
        }
    }

    [Test]
    public void Complete_FromAnotherThreadAfterItsSends_ReceiverGetsEverySendThenCompletion()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<int>(loop);
        loop.Spawn(Receiver(), "receiver");

        var sender = new Thread(() =>
        {
            inbox.Send(1);
            inbox.Send(2);
            inbox.Complete();
        });
        sender.Start();
        Assert.That(sender.Join(s_safetyNet), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(inbox.IsCompleted, Is.True);
            Assert.That(inbox.Send(3), Is.False, "refused after Complete, on any thread");
        });
        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo("1 2 end"));

        IEnumerator Receiver()
        {
            ReadWait<int> received = inbox.Receive();
            while (true)
            {
                yield return received;
                trace.Add(received.HasValue ? received.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "end");
                if (!received.HasValue)
                {
                    yield break;
                }
            }
        }
    }

    [Test]
    public void Send_OnTheLoopThreadWhileOtherThreadsSendsAreStillPending_ThoseGoFirst()
    {
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<string>(loop);
        var sender = new Thread(() => inbox.Send("from another thread"));
        sender.Start();
        Assert.That(sender.Join(s_safetyNet), Is.True);

        inbox.Send("from the loop thread");

        Assert.Multiple(() =>
        {
            Assert.That(inbox.TryReceive(out string? first), Is.True);
            Assert.That(first, Is.EqualTo("from another thread"));
            Assert.That(inbox.TryReceive(out string? second), Is.True);
            Assert.That(second, Is.EqualTo("from the loop thread"));
        });
    }

    [Test]
    public void Complete_WithAnError_ReceiverFaultsWithItAfterTheValuesSentBefore()
    {
        var error = new InvalidOperationException("sender crashed");
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<int>(loop);
        var got = new List<int>();
        Coroutine receiver = loop.Spawn(Receiver(), "receiver");
        inbox.Send(1);
        inbox.Complete(error);

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(string.Join(" ", got), Is.EqualTo("1"));
            Assert.That(receiver.Exception, Is.SameAs(error));
            Assert.That(() => inbox.Complete(), Throws.InvalidOperationException);
            Assert.That(inbox.TryComplete(), Is.False);
        });

        IEnumerator Receiver()
        {
            ReadWait<int> received = inbox.Receive();
            while (true)
            {
                yield return received;
                got.Add(received.Value);
            }
        }
    }

    [Test]
    public void Send_FromAnotherThreadAfterTheLoopWasDisposed_ThrowsObjectDisposed()
    {
        var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<int>(loop);
        loop.Dispose();
        Exception? thrown = null;

        var sender = new Thread(() =>
        {
            try
            {
                inbox.Send(1);
            }
            catch (Exception ex)
            {
                thrown = ex;
            }
        });
        sender.Start();
        Assert.That(sender.Join(s_safetyNet), Is.True);

        Assert.That(thrown, Is.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void Send_FromAnotherThreadBeforeDispose_DeliveredByDisposeNotLost()
    {
        var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<int>(loop);
        var sender = new Thread(() => inbox.Send(1));
        sender.Start();
        Assert.That(sender.Join(s_safetyNet), Is.True);

        loop.Dispose(); // runs what is in the inbox first

        Assert.That(inbox.TryReceive(out int value) ? value : -1, Is.EqualTo(1));
    }
}
