using System.Net;
using System.Net.Sockets;
using Scheduler.Tests.Support;
using static Scheduler.Tests.Net.SocketTestSupport;

namespace Scheduler.Tests.Net;

/// <summary>
/// Socket I/O as waits, on loopback with ephemeral ports: echo, end of stream, reset, cancel at every point of
/// a receive and an accept, a send that outlives its canceled coroutine, and misuse. Completions come from I/O
/// threads, so rounds are exact only where no I/O decides them; the oracles are bytes, states and traces, and the
/// time limits are safety nets.
/// </summary>
public partial class LoopSocketTests
{
    [Test]
    public void WaitReceiveAndWaitSend_64KilobytesEchoedInChunks_ArriveByteForByte()
    {
        using var loop = new EventLoop();
        using LoopSocket listener = LoopSocket.ListenTcp(loop, AnyLoopbackPort);
        var endpoint = (IPEndPoint)listener.Socket.LocalEndPoint!;
        byte[] sent = Pattern(64 * 1024);
        var echoed = new MemoryStream();

        Coroutine server = loop.Spawn(AcceptOneAndEcho(listener), "server");
        Coroutine client = loop.Spawn(Client(), "client");
        RunUntilAllEnded(loop);

        Assert.Multiple(() =>
        {
            Assert.That(server.State, Is.EqualTo(CoroutineState.Completed), server.Exception?.ToString());
            Assert.That(client.State, Is.EqualTo(CoroutineState.Completed), client.Exception?.ToString());
            Assert.That(echoed.Length, Is.EqualTo(sent.Length));
            Assert.That(echoed.ToArray().AsSpan().SequenceEqual(sent), Is.True, "every byte comes back, in order");
        });

        IEnumerator Client()
        {
            using LoopSocket connection = LoopSocket.CreateTcp(loop);
            connection.Socket.NoDelay = true;
            yield return connection.WaitConnect(endpoint);
            Coroutine reader = loop.Spawn(ReadToEnd(connection, echoed), "client reader"); // full duplex: reads while this sends

            int[] chunkSizes = [1, 1000, 4096, 7, 20_000, 1500];
            int offset = 0;
            for (int i = 0; offset < sent.Length; i++)
            {
                int size = Math.Min(chunkSizes[i % chunkSizes.Length], sent.Length - offset);
                SocketWait<int> send = connection.WaitSend(sent.AsMemory(offset, size));
                yield return send;
                offset += send.Result;
            }

            connection.Socket.Shutdown(SocketShutdown.Send);
            yield return reader; // the server echoes the end of stream too
        }
    }

    [Test]
    public void WaitReceive_PeerClosesItsSide_ReturnsZeroAgainAndAgainAndTheServerCoroutineEnds()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            var trace = new Trace();
            Coroutine reader = loop.Spawn(ReceiveThreeTimes(server, trace), "reader");
            SendAll(client, "bye"u8);
            client.Shutdown(SocketShutdown.Send);

            RunUntilAllEnded(loop);

            Assert.Multiple(() =>
            {
                Assert.That(reader.State, Is.EqualTo(CoroutineState.Completed));
                Assert.That(trace.ToString(), Is.EqualTo("received:bye received: received:"), "0 bytes is the end of stream, and stays so");
                Assert.That(reader.Steps, Is.EqualTo(4), "three receives: three yields and the end");
            });
        }

        static IEnumerator ReceiveThreeTimes(LoopSocket socket, Trace trace)
        {
            byte[] buffer = new byte[16];
            for (int i = 0; i < 3; i++)
            {
                SocketWait<int> receive = socket.WaitReceive(buffer);
                yield return receive;
                trace.Add("received:" + System.Text.Encoding.ASCII.GetString(buffer, 0, receive.Result));
            }
        }
    }

    [Test]
    public void WaitReceive_PeerResets_FaultsTheReceivingCoroutineWithSocketException()
    {
        using var loop = new EventLoop();
        var unobserved = new List<Exception>();
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Exception);
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            var trace = new Trace();
            Coroutine reader = loop.Spawn(ReceiveOnce(server, trace), "reader");
            Coroutine observer = loop.Spawn(Observe(reader), "observer");
            loop.Tick();
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Waiting), "the reader waits for data");

            client.LingerState = new LingerOption(true, 0);
            client.Close(); // a reset, not an orderly close
            RunUntilAllEnded(loop);

            Assert.Multiple(() =>
            {
                Assert.That(reader.State, Is.EqualTo(CoroutineState.Faulted));
                Assert.That(reader.Exception, Is.InstanceOf<SocketException>());
                Assert.That(((SocketException)reader.Exception!).SocketErrorCode, Is.EqualTo(SocketError.ConnectionReset));
                Assert.That(trace.ToString(), Is.EqualTo("finally"), "the receive never returned; the finally ran once");
                Assert.That(observer.State, Is.EqualTo(CoroutineState.Completed));
                Assert.That(unobserved, Is.Empty, "the fault was observed by the settled join");
            });
        }
    }

    [Test]
    public void WaitReceive_CoroutineCanceledWhileWaiting_FinallyRunsAndLateDataWakesNothingAndIsNotLost()
    {
        using var loop = new EventLoop();
        var unobserved = new List<Exception>();
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Exception);
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            var trace = new Trace();
            Coroutine reader = loop.Spawn(ReceiveOnce(server, trace), "reader");
            loop.Tick();
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Waiting));

            Assert.That(reader.Cancel(), Is.True);
            loop.Tick();
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(trace.ToString(), Is.EqualTo("finally"));

            // The data arrives after the cancel: the readiness wait left armed completes and finds nobody.
            ReceiveOperation operation = server.ReceiveOperation!;
            Assert.That(operation.InFlight, Is.True, "a readiness wait is armed");
            SendAll(client, "late"u8);
            loop.Spawn(WaitUntil(() => !operation.InFlight), "watcher");
            RunUntilAllEnded(loop);
            Assert.Multiple(() =>
            {
                Assert.That(trace.ToString(), Is.EqualTo("finally"), "the late completion woke nothing");
                Assert.That(reader.Steps, Is.EqualTo(2), "the first step and the disposal turn, nothing after");
                Assert.That(unobserved, Is.Empty);
            });

            // Nothing was consumed for the canceled receive: the next one gets every byte.
            var next = new Trace();
            Coroutine again = loop.Spawn(ReceiveOnce(server, next), "next reader");
            RunUntilAllEnded(loop);
            Assert.That(again.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(next.ToString(), Is.EqualTo("received:late finally"));
        }
    }

    [Test]
    public void WaitReceive_CanceledCoroutineDisposesTheSocketInFinally_OperationEndsAndLateDataWakesNothing()
    {
        using var loop = new EventLoop();
        var unobserved = new List<Exception>();
        loop.UnobservedFault += (_, e) => unobserved.Add(e.Exception);
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (client)
        {
            var trace = new Trace();
            Coroutine reader = loop.Spawn(ReceiveOnceAndDispose(server, trace), "reader");
            loop.Tick();
            ReceiveOperation operation = server.ReceiveOperation!;
            Assert.That(operation.InFlight, Is.True, "a readiness wait is armed");

            reader.Cancel();
            loop.Tick();
            Assert.That(trace.ToString(), Is.EqualTo("finally:disposed"));

            try
            {
                SendAll(client, "late"u8); // the peer may see a reset: the socket is closed
            }
            catch (SocketException)
            {
            }

            // The disposal aborted the armed wait; its completion arrives and finds nobody to wake.
            loop.Spawn(WaitUntil(() => !operation.InFlight), "watcher");
            RunUntilAllEnded(loop);
            Assert.Multiple(() =>
            {
                Assert.That(reader.State, Is.EqualTo(CoroutineState.Canceled));
                Assert.That(reader.Steps, Is.EqualTo(2));
                Assert.That(trace.ToString(), Is.EqualTo("finally:disposed"));
                Assert.That(unobserved, Is.Empty);
            });
        }

        static IEnumerator ReceiveOnceAndDispose(LoopSocket socket, Trace trace)
        {
            try
            {
                yield return socket.WaitReceive(new byte[16]);
                trace.Add("resumed");
            }
            finally
            {
                socket.Dispose();
                trace.Add($"finally:{(socket.IsDisposed ? "disposed" : "open")}");
            }
        }
    }

    [Test]
    public void WaitReceive_CanceledAfterItWasWokenButBeforeItsTurn_ConsumesNothing()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            var trace = new Trace();
            Coroutine reader = loop.Spawn(ReceiveOnce(server, trace), "reader");
            loop.Tick();
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Waiting));

            // The canceler runs every round, ahead of anything woken in phase (a): it cancels the reader in the
            // round the completion woke it, before the reader's turn.
            Coroutine canceler = loop.Spawn(CancelOnceReady(reader, trace), "canceler");
            SendAll(client, "kept"u8);
            RunUntilAllEnded(loop);
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(trace.ToString(), Is.EqualTo("canceled-before-its-turn finally"));

            var next = new Trace();
            loop.Spawn(ReceiveOnce(server, next), "next reader");
            RunUntilAllEnded(loop);
            Assert.That(next.ToString(), Is.EqualTo("received:kept finally"), "the declined readiness passed to the next receive");
        }
    }

    [Test]
    public void WaitReceive_LosesToAnotherWaitInAny_ConsumesNothingAndTheNextReceiveGetsTheBytes()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        var trace = new Trace();
        using (server)
        using (client)
        {
            Coroutine reader = loop.Spawn(ReceiveWithDeadline(), "reader");
            RunUntilAllEnded(loop);

            Assert.That(reader.State, Is.EqualTo(CoroutineState.Completed), reader.Exception?.ToString());
            Assert.That(trace.ToString(), Is.EqualTo("round 3: fired 1 received:late"));
        }

        IEnumerator ReceiveWithDeadline()
        {
            byte[] buffer = new byte[16];
            AnyWait first = Wait.Any(server.WaitReceive(buffer), Wait.Ticks(2));
            yield return first;                                    // yielded in round 1: the deadline fires in round 3
            trace.Add($"round {loop.TickCount}: fired {first.FiredIndex}");

            SendAll(client, "late"u8);                             // test code: a 4-byte loopback send never blocks
            SocketWait<int> receive = server.WaitReceive(buffer);
            yield return receive;
            trace.Add("received:" + System.Text.Encoding.ASCII.GetString(buffer, 0, receive.Result));
        }
    }

    [Test]
    public void WaitReceive_SocketDisposedWhileACoroutineWaits_FaultsItWithObjectDisposedException()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (client)
        {
            var trace = new Trace();
            Coroutine reader = loop.Spawn(ReceiveOnce(server, trace), "reader");
            Coroutine observer = loop.Spawn(Observe(reader), "observer");
            loop.Tick();

            server.Dispose();
            RunUntilAllEnded(loop);

            Assert.Multiple(() =>
            {
                Assert.That(reader.State, Is.EqualTo(CoroutineState.Faulted));
                Assert.That(reader.Exception, Is.InstanceOf<ObjectDisposedException>());
                Assert.That(trace.ToString(), Is.EqualTo("finally"));
            });
        }
    }

    [Test]
    public void WaitReceive_SecondCoroutineReceivesOnTheSameSocket_FaultsNamingTheFirst()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            var trace = new Trace();
            Coroutine first = loop.Spawn(ReceiveOnce(server, trace), "first");
            loop.Tick();
            Coroutine second = loop.Spawn(ReceiveOnce(server, new Trace()), "second");
            Coroutine observer = loop.Spawn(Observe(second), "observer");
            loop.Tick();

            Assert.That(second.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(second.Exception, Is.InstanceOf<InvalidOperationException>());
            Assert.That(second.Exception!.Message, Does.Contain("coroutine 'first'").And.Contain("One coroutine at a time"));

            SendAll(client, "one"u8);
            RunUntilAllEnded(loop);
            Assert.That(trace.ToString(), Is.EqualTo("received:one finally"), "the first receive is undisturbed");
        }
    }

    [Test]
    public void WaitReceive_SameWaitYieldedAgainWithoutANewCall_FaultsInsteadOfReadingNothing()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            var trace = new Trace();
            SendAll(client, "one"u8);
            Coroutine reader = loop.Spawn(ReuseTheWait(), "reader");
            Coroutine observer = loop.Spawn(Observe(reader), "observer");
            RunUntilAllEnded(loop);

            Assert.That(trace.ToString(), Is.EqualTo("received:one"));
            Assert.That(reader.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(reader.Exception, Is.InstanceOf<InvalidOperationException>());
            Assert.That(reader.Exception!.Message, Does.Contain("yielded again without a new call"));

            IEnumerator ReuseTheWait()
            {
                byte[] buffer = new byte[16];
                SocketWait<int> receive = server.WaitReceive(buffer);
                yield return receive;
                trace.Add("received:" + System.Text.Encoding.ASCII.GetString(buffer, 0, receive.Result));
                yield return receive; // wrong: every receive needs its own WaitReceive call
                trace.Add("never");
            }
        }
    }

    [Test]
    public void WaitReceive_CalledOffTheLoopThread_ThrowsInvalidOperationException()
    {
        using var loop = new EventLoop();
        (LoopSocket server, Socket client) = ConnectedPair(loop);
        using (server)
        using (client)
        {
            Exception? thrown = null;
            var other = new Thread(() => thrown = Catch(() => server.WaitReceive(new byte[4])));
            other.Start();
            Assert.That(other.Join(SafetyNet), Is.True);

            Assert.That(thrown, Is.InstanceOf<InvalidOperationException>());
            Assert.That(thrown!.Message, Does.Contain("belong to its loop's thread"));
        }
    }
}
