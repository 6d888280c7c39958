using System.Globalization;

namespace Scheduler.Testing.Tests.Examples;

// The examples of docs/testing.md, as tests that run: the doc quotes the code between the snippet markers.
// They are written as a user of the library would write them: routines that know nothing of the kit (they
// take a callback to report what they do), and NUnit tests that drive them with a LoopTest.
public class TestKitExamples
{
    // <snippet:TestingFirstTest>
    [Test]
    public void Countdown_CountsDownOnePerRound()
    {
        using var test = new LoopTest();
        test.Spawn(Countdown(3, test.Log), "countdown");

        test.RunUntilIdle();

        test.Trace.ShouldBe("""
            1 countdown: 3
            1 countdown: yield
            2 countdown: 2
            2 countdown: yield
            3 countdown: 1
            3 countdown: yield
            4 countdown: end Completed
            """);
    }

    // The routine under test: it reports through a callback, so tests pass test.Log.
    private static IEnumerator Countdown(int from, Action<string> say)
    {
        for (int n = from; n > 0; n--)
        {
            say(n.ToString(CultureInfo.InvariantCulture));
            yield return null;
        }
    }
    // </snippet:TestingFirstTest>

    // <snippet:TestingSteps>
    [Test]
    public void PingPong_TakeTurnsOneStepEach()
    {
        using var test = new LoopTest();
        Coroutine ping = test.Spawn(Countdown(10, _ => { }), "ping");
        Coroutine pong = test.Spawn(Countdown(10, _ => { }), "pong");

        Assert.That(test.Step(), Is.SameAs(ping));        // round 1, first step
        Assert.That(test.Loop.TickCount, Is.EqualTo(1));
        Assert.That(test.RunRound(), Is.EqualTo(1));      // the rest of round 1: pong
        Assert.That(test.RunRounds(3), Is.EqualTo(6));    // rounds 2 to 4: two steps each
        Assert.That(ping.Steps, Is.EqualTo(4));
        Assert.That(pong.Steps, Is.EqualTo(4));
    }
    // </snippet:TestingSteps>

    // <snippet:TestingChannel>
    [Test]
    public void Pipeline_BoundedChannel_ProducerWaitsForTheConsumer()
    {
        using var test = new LoopTest();
        var channel = new MessageChannel<int>(test.Loop, capacity: 1);
        test.Spawn(Produce(channel, 3, test.Log), "producer");
        test.Spawn(Consume(channel, test.Log), "consumer");

        test.RunUntilIdle();

        test.Trace.OnlyLogs().ShouldBe("""
            2 producer: wrote 1
            2 consumer: got 1
            3 producer: wrote 2
            3 consumer: got 2
            4 producer: wrote 3
            4 consumer: got 3
            """);
    }

    private static IEnumerator Produce(MessageChannel<int> channel, int count, Action<string> say)
    {
        for (int i = 1; i <= count; i++)
        {
            yield return channel.Write(i);          // waits while the channel is full
            say($"wrote {i}");
        }

        channel.Complete();
    }

    private static IEnumerator Consume(MessageChannel<int> channel, Action<string> say)
    {
        while (true)
        {
            ReadWait<int> read = channel.Read();
            yield return read;
            if (!read.HasValue)
            {
                yield break;                        // completed and drained
            }

            say($"got {read.Value}");
        }
    }
    // </snippet:TestingChannel>

    // <snippet:TestingRunUntil>
    [Test]
    public void Retry_SucceedsOnTheThirdAttemptAfterBackingOff()
    {
        using var test = new LoopTest(new LoopTestOptions { AutoAdvance = true });
        int attempts = 0;
        Coroutine<int> call = test.Spawn<int>(Retry(() => ++attempts == 3), "retry");

        test.RunUntil(() => call.IsEnded, maxSteps: 100);

        Assert.That(call.Result, Is.EqualTo(3));
        Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(1 + 2)));   // backed off 1 s, then 2 s
    }

    // Tries until `attempt` succeeds, doubling the pause each time; returns the number of attempts.
    private static IEnumerator Retry(Func<bool> attempt)
    {
        var pause = TimeSpan.FromSeconds(1);
        for (int tries = 1; ; tries++)
        {
            if (attempt())
            {
                yield return Routine.Return(tries);
                yield break;
            }

            yield return Wait.For(pause);
            pause *= 2;
        }
    }
    // </snippet:TestingRunUntil>

    // <snippet:TestingVirtualTime>
    [Test]
    public void Heartbeat_BeatsEveryThreeSeconds()
    {
        using var test = new LoopTest();
        test.Spawn(Heartbeat(test.Clock, TimeSpan.FromSeconds(3), test.Log), "heartbeat");

        test.RunFor(TimeSpan.FromSeconds(10));   // beats at 0, 3, 6 and 9 s; the clock stops at 10 s

        test.Trace.OnlyLogs().ShouldBe("""
            1 heartbeat: beat at 00:00:00
            3 heartbeat: beat at 00:00:03
            5 heartbeat: beat at 00:00:06
            7 heartbeat: beat at 00:00:09
            """);

        Assert.That(test.AdvanceToNextTimer(), Is.True);    // to the next beat, without running it
        Assert.That(test.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(12)));
        test.RunRound();
        Assert.That(test.Trace.OnlyLogs()[^1].Text, Is.EqualTo("beat at 00:00:12"));
    }

    private static IEnumerator Heartbeat(TimeProvider clock, TimeSpan period, Action<string> say)
    {
        DateTimeOffset start = clock.GetUtcNow();
        while (true)
        {
            say($"beat at {clock.GetUtcNow() - start:hh\\:mm\\:ss}");
            yield return Wait.For(period);
        }
    }
    // </snippet:TestingVirtualTime>

    // <snippet:TestingBudget>
    [Test]
    public void Poller_ThatNeverGivesUp_FailsAtTheBudgetWithATaskDump()
    {
        using var test = new LoopTest();
        bool ready = false;                            // nothing ever sets it: the bug
        test.Spawn(PollUntil(() => ready), "poller");

        var failure = Assert.Throws<LoopTestException>(() => test.RunUntilIdle(maxSteps: 50));

        Assert.That(failure!.Message, Does.Contain("coroutine 'poller' (#1): ready; 50 steps"));
    }

    private static IEnumerator PollUntil(Func<bool> condition)
    {
        while (!condition())
        {
            yield return null;                         // busy polling: should have been Wait.Until(condition)
        }
    }
    // </snippet:TestingBudget>

    // <snippet:TestingShuffleFragile>
    // Correct only if the loader steps before the reader in round 1, which FIFO happens to give.
    private static void LoadThenRead(LoopTest test)
    {
        var settings = new Dictionary<string, string>();
        test.Spawn(Load(settings), "loader");
        test.Spawn(Read(settings, test.Log), "reader");

        test.RunUntilIdle();

        test.Trace.OnlyLogs().ShouldBe("1 reader: mode = fast");
    }

    private static IEnumerator Load(Dictionary<string, string> settings)
    {
        settings["mode"] = "fast";
        yield break;
    }

    private static IEnumerator Read(Dictionary<string, string> settings, Action<string> say)
    {
        say($"mode = {settings.GetValueOrDefault("mode", "unset")}");
        yield break;
    }
    // </snippet:TestingShuffleFragile>

    // <snippet:TestingShuffleFound>
    [Test]
    public void LoadThenRead_PassesInFifoOrder_ButShuffleFindsTheOrderDependence()
    {
        using (var fifo = new LoopTest())
        {
            LoadThenRead(fifo);                        // passes
        }

        var failure = Assert.Throws<LoopTestException>(() => LoopTest.ForEachSeed(100, LoadThenRead));

        Assert.That(failure!.Seed, Is.EqualTo(1));
        Assert.Throws<LoopTestException>(() => LoopTest.Replay(1, LoadThenRead));   // the same failure, every time
    }
    // </snippet:TestingShuffleFound>

    // <snippet:TestingShuffleFixed>
    [Test]
    public void LoadThenRead_WithASignal_PassesUnderEveryOrder()
    {
        LoopTest.ForEachSeed(100, test =>
        {
            var settings = new Dictionary<string, string>();
            var loaded = new Signal(test.Loop, name: "loaded");
            test.Spawn(LoadAndSignal(settings, loaded), "loader");
            test.Spawn(ReadWhenLoaded(settings, loaded, test.Log), "reader");

            test.RunUntilIdle();

            test.Trace.OnlyLogs().ShouldBe("2 reader: mode = fast");
        });
    }

    private static IEnumerator LoadAndSignal(Dictionary<string, string> settings, Signal loaded)
    {
        settings["mode"] = "fast";
        loaded.Set();
        yield break;
    }

    private static IEnumerator ReadWhenLoaded(Dictionary<string, string> settings, Signal loaded, Action<string> say)
    {
        yield return loaded.Wait();                    // whatever order the round runs in
        say($"mode = {settings["mode"]}");
    }
    // </snippet:TestingShuffleFixed>

    // <snippet:TestingFaults>
    [Test]
    public void Worker_FailureIsHandedToWhoeverJoinsIt()
    {
        using var test = new LoopTest();
        Coroutine worker = test.Spawn(FailAfter(TimeSpan.FromSeconds(1)), "worker");
        test.Spawn(Supervise(worker, test.Log), "supervisor");
        test.AutoAdvance = true;

        test.RunUntilIdle();                           // no unobserved fault: the supervisor observed it

        test.Trace.ForTask("supervisor").ShouldBe("""
            1 supervisor: wait Wait.Settled(coroutine 'worker' (#1))
            4 supervisor: worker Faulted: disk full
            4 supervisor: end Completed
            """);
    }

    private static IEnumerator FailAfter(TimeSpan delay)
    {
        yield return Wait.For(delay);
        throw new IOException("disk full");
    }

    private static IEnumerator Supervise(Coroutine worker, Action<string> say)
    {
        yield return Wait.Settled(worker);             // resumes however the worker ended
        say($"{worker.Name} {worker.State}: {worker.Exception?.Message}");
    }
    // </snippet:TestingFaults>
}
