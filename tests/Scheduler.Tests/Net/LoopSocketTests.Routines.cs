using System.Net.Sockets;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Net;

/// <summary>The routines the socket tests share: an echo server, readers, a canceler that strikes between wake and turn.</summary>
public partial class LoopSocketTests
{
    internal static IEnumerator AcceptOneAndEcho(LoopSocket listener)
    {
        SocketWait<LoopSocket> accept = listener.WaitAccept();
        yield return accept;
        using LoopSocket connection = accept.Result;
        connection.Socket.NoDelay = true; // echo small pieces at once (no Nagle wait for the peer's delayed ACK)
        byte[] buffer = new byte[1500];
        while (true)
        {
            SocketWait<int> receive = connection.WaitReceive(buffer);
            yield return receive;
            if (receive.Result == 0)
            {
                break;
            }

            yield return connection.WaitSend(buffer.AsMemory(0, receive.Result));
        }

        connection.Socket.Shutdown(SocketShutdown.Send);
    }

    private static IEnumerator ReadToEnd(LoopSocket connection, MemoryStream into)
    {
        byte[] buffer = new byte[3000];
        while (true)
        {
            SocketWait<int> receive = connection.WaitReceive(buffer);
            yield return receive;
            if (receive.Result == 0)
            {
                yield break;
            }

            into.Write(buffer, 0, receive.Result);
        }
    }

    private static IEnumerator ReceiveOnce(LoopSocket socket, Trace trace)
    {
        try
        {
            byte[] buffer = new byte[16];
            SocketWait<int> receive = socket.WaitReceive(buffer);
            yield return receive;
            trace.Add("received:" + System.Text.Encoding.ASCII.GetString(buffer, 0, receive.Result));
        }
        finally
        {
            trace.Add("finally");
        }
    }

    private static IEnumerator CancelOnceReady(Coroutine target, Trace trace)
    {
        while (target.State != CoroutineState.Ready)
        {
            yield return null; // queued every round, ahead of whatever phase (a) wakes
        }

        target.Cancel();
        trace.Add("canceled-before-its-turn");
    }

    private static IEnumerator Observe(Coroutine target)
    {
        yield return Wait.Settled(target);
    }

    private static IEnumerator WaitUntil(Func<bool> condition)
    {
        yield return Wait.Until(condition);
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
}
