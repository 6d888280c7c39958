using static Scheduler.Testing.Tests.Support.Routines;

namespace Scheduler.Testing.Tests;

/// <summary>What the trace records: one line per step outcome and per log line, with its round and task.</summary>
public class TraceTests
{
    [Test]
    public void Trace_YieldWaitJoinAndEnds_OneLinePerStepWithRoundAndTask()
    {
        using var test = new LoopTest(new LoopTestOptions { FailOnUnobservedFault = false });
        Coroutine worker = test.Spawn(Worker(test), "worker");
        test.Spawn(Join(test, worker), "joiner");
        test.Spawn(FailsAfterOneYield("boom"));
        Coroutine parked = test.Spawn(Parked(), "parked");

        test.RunRound();
        parked.Cancel();
        test.RunUntilIdle();

        test.Trace.ShouldBe("""
            1 worker: working
            1 worker: yield
            1 joiner: wait join worker
            1 #3: yield
            1 parked: wait Wait.Forever
            2 worker: wait Wait.For(00:00:00)
            2 #3: end Faulted (InvalidOperationException: boom)
            2 parked: end Canceled
            3 worker: end Completed
            4 joiner: worker is Completed
            4 joiner: end Completed
            """);

        static IEnumerator Worker(LoopTest test)
        {
            test.Log("working");
            yield return null;
            yield return Wait.For(TimeSpan.Zero);
        }

        static IEnumerator Join(LoopTest test, Coroutine other)
        {
            yield return other;
            test.Log($"{other.Name} is {other.State}");
        }
    }

    [Test]
    public void Log_OutsideAnyStep_IsAttributedToTestInTheCurrentRound()
    {
        using var test = new LoopTest();
        test.Log("before");
        test.Spawn(Yields(0), "a");
        test.RunRound();
        test.Log("after");

        Assert.That(test.Trace.ToString(), Is.EqualTo("0 test: before\n1 a: end Completed\n1 test: after"));
    }

    [Test]
    public void Log_LineBreaks_AreWrittenAsBackslashN()
    {
        using var test = new LoopTest();

        test.Log("two\nlines");

        Assert.That(test.Trace.ToString(), Is.EqualTo("0 test: two\\nlines"));
    }

    [Test]
    public void Log_FromAnotherThread_Throws()
    {
        using var test = new LoopTest();
        Exception? error = null;

        var other = new Thread(() => error = Catch(() => test.Log("x")));
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);

        Assert.That(error, Is.TypeOf<InvalidOperationException>());
    }

    [Test]
    public void TraceSteps_Off_OnlyLogLinesAreRecorded()
    {
        using var test = new LoopTest(new LoopTestOptions { TraceSteps = false });
        test.Spawn(Chatty(test, 2), "chatty");

        test.RunUntilIdle();

        Assert.That(test.Trace.ToString(), Is.EqualTo("1 chatty: step 1\n2 chatty: step 2"));
    }

    [Test]
    public void Filters_OnlyLogsAndForTask_AreSnapshotsThatLaterEventsDoNotChange()
    {
        using var test = new LoopTest();
        test.Spawn(Chatty(test, 2), "a");
        test.Spawn(Chatty(test, 1), "b");
        test.RunRound();

        LoopTrace logs = test.Trace.OnlyLogs();
        LoopTrace ofB = test.Trace.ForTask("b");
        test.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(logs.ToString(), Is.EqualTo("1 a: step 1\n1 b: step 1"));
            Assert.That(ofB.ToString(), Is.EqualTo("1 b: step 1\n1 b: yield"));
            Assert.That(test.Trace.Filter(e => e.Kind == TraceEventKind.End).ToString(), Is.EqualTo("2 b: end Completed\n3 a: end Completed"));
        });
    }

    [Test]
    public void Clear_ThenRun_TheTraceHoldsOnlyWhatCameAfter()
    {
        using var test = new LoopTest();
        test.Spawn(Yields(1), "a");
        test.RunRound();

        test.Trace.Clear();
        test.RunRound();

        Assert.That(test.Trace.ToString(), Is.EqualTo("2 a: end Completed"));
    }

    [Test]
    public void Entries_CarryRoundTaskKindAndText()
    {
        using var test = new LoopTest();
        test.Spawn(Chatty(test, 1), "a");
        test.RunRound();

        Assert.That(test.Trace, Is.EqualTo(new[]
        {
            new TraceEntry(1, "a", TraceEventKind.Log, "step 1"),
            new TraceEntry(1, "a", TraceEventKind.Yield, "yield"),
        }));
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
