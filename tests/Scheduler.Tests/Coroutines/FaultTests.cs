using Microsoft.Extensions.Logging;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Coroutines;

// These tests throw from finally blocks on purpose: that is the behaviour under test (Semantics 8).
#pragma warning disable CA2219 // Do not raise exceptions in finally clauses

/// <summary>Faults (Semantics 8) and how they are reported: isolation, exact instances, unwinding, reporting once.</summary>
public class FaultTests
{
    private const int UnobservedFaultId = 1;
    private const int DisposalFaultId = 2;
    private const int PostedCallbackFaultId = 3;
    private const int FaultHandlerFaultId = 4;

    [Test]
    public void Fault_OneTaskThrows_OthersFinishWithUnchangedStepCounts()
    {
        (string withoutTrace, long[] withoutSteps, _) = RunWorkers(withFaulty: false);
        (string withTrace, long[] withSteps, Coroutine? faulty) = RunWorkers(withFaulty: true);

        Assert.Multiple(() =>
        {
            Assert.That(withoutSteps, Is.EqualTo(new long[] { 4, 6, 8 }));
            Assert.That(withSteps, Is.EqualTo(withoutSteps));
            Assert.That(withTrace, Is.EqualTo(withoutTrace));
            Assert.That(withoutTrace, Is.EqualTo(
                "a0 b0 c0 a1 b1 c1 a2 b2 c2 a-end b3 c3 b4 c4 b-end c5 c6 c-end"));
            Assert.That(faulty!.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(faulty.Steps, Is.EqualTo(3));
        });

        static (string Trace, long[] Steps, Coroutine? Faulty) RunWorkers(bool withFaulty)
        {
            var trace = new Trace();
            using var loop = new EventLoop(new VirtualClock());
            Coroutine a = loop.Spawn(Worker(trace, "a", 3), "a");
            Coroutine? faulty = withFaulty ? loop.Spawn(Faulty(), "faulty") : null;
            Coroutine b = loop.Spawn(Worker(trace, "b", 5), "b");
            Coroutine c = loop.Spawn(Worker(trace, "c", 7), "c");
            loop.RunUntilIdle();
            return (trace.ToString(), [a.Steps, b.Steps, c.Steps], faulty);
        }

        static IEnumerator Worker(Trace trace, string name, int yields)
        {
            for (int i = 0; i < yields; i++)
            {
                trace.Add($"{name}{i}");
                yield return null;
            }

            trace.Add($"{name}-end");
        }

        static IEnumerator Faulty()
        {
            yield return null;
            yield return null;
            throw new InvalidOperationException("faulty");
        }
    }

    [Test]
    public void Fault_Exception_KeptAsThrownEverywhere()
    {
        var error = new ArithmeticException("as thrown");
        Exception? reported = null;
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => reported = e.Exception;
        Coroutine<int> faulty = loop.Spawn<int>(Thrower(), "faulty");

        Exception rethrown = Assert.Throws<ArithmeticException>(() => loop.RunUntilComplete(faulty))!;

        Assert.Multiple(() =>
        {
            Assert.That(faulty.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(faulty.Exception, Is.SameAs(error));
            Assert.That(rethrown, Is.SameAs(error));
            Assert.That(Assert.Throws<ArithmeticException>(() => _ = faulty.Result), Is.SameAs(error));
            Assert.That(Assert.Throws<ArithmeticException>(() => _ = ((Coroutine)faulty).Result), Is.SameAs(error));
            // RunUntilComplete rethrew it to its caller, so the fault was observed: no unobserved report.
            Assert.That(reported, Is.Null);
        });

        IEnumerator Thrower()
        {
            yield return null;
            throw error;
        }
    }

    [Test]
    public void Fault_UnobservedSpawn_EventCarriesInstanceAsThrown()
    {
        var error = new ArithmeticException("as thrown");
        Exception? reported = null;
        Coroutine? source = null;
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => (source, reported) = (e.Coroutine, e.Exception);
        Coroutine faulty = loop.Spawn(Thrower(), "faulty");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(reported, Is.SameAs(error));
            Assert.That(source, Is.SameAs(faulty));
        });

        IEnumerator Thrower()
        {
            yield return null;
            throw error;
        }
    }

    [Test]
    public void Fault_InChild_UnwindsParentFramesOnceInnermostFirst()
    {
        var trace = new Trace();
        var error = new InvalidOperationException("inner");
        using var loop = new EventLoop(new VirtualClock());
        Coroutine task = loop.Spawn(Outer(), "task");

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("inner-finally@2 middle-finally@2 outer-finally@2"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(task.Exception, Is.SameAs(error));
            Assert.That(task.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(2));
            Assert.That(loop.LiveCount, Is.Zero);
        });

        IEnumerator Outer()
        {
            try
            {
                yield return Middle();
                trace.Add("outer-after-child");
            }
            finally
            {
                trace.Add($"outer-finally@{loop.TickCount}");
            }
        }

        IEnumerator Middle()
        {
            try
            {
                yield return Inner();
                trace.Add("middle-after-child");
            }
            finally
            {
                trace.Add($"middle-finally@{loop.TickCount}");
            }
        }

        IEnumerator Inner()
        {
            try
            {
                yield return null;
                throw error;
            }
            finally
            {
                trace.Add($"inner-finally@{loop.TickCount}");
            }
        }
    }

    [TestCase(false, TestName = "UnobservedFault_LoggerPassedToConstructor_ReportedExactlyOnce")]
    [TestCase(true, TestName = "UnobservedFault_LoggerInOptions_ReportedExactlyOnce")]
    public void UnobservedFault_NoJoiner_ReportedExactlyOnceByLogAndEvent(bool loggerInOptions)
    {
        var error = new InvalidOperationException("nobody listens");
        var logger = new CollectingLogger();
        var reports = new List<(object? Sender, UnobservedFaultEventArgs Args)>();
        var options = new EventLoopOptions { Clock = new VirtualClock(), Logger = loggerInOptions ? logger : null };
        var loop = new EventLoop(options, loggerInOptions ? null : logger);
        loop.UnobservedFault += (sender, e) => reports.Add((sender, e));
        Coroutine lonely = loop.Spawn(Thrower(), "lonely");
        Coroutine bystander = loop.Spawn(Ticker(5), "bystander");

        loop.RunUntilIdle();
        loop.Tick();
        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(reports, Has.Count.EqualTo(1));
            Assert.That(reports[0].Sender, Is.SameAs(loop));
            Assert.That(reports[0].Args.Coroutine, Is.SameAs(lonely));
            Assert.That(reports[0].Args.Exception, Is.SameAs(error));

            Assert.That(logger.Entries, Has.Count.EqualTo(1));
            LogEntry entry = logger.Entries[0];
            Assert.That(entry.Level, Is.EqualTo(LogLevel.Error));
            Assert.That(entry.EventId.Id, Is.EqualTo(UnobservedFaultId));
            Assert.That(entry.EventId.Name, Is.EqualTo("UnobservedFault"));
            Assert.That(entry.Exception, Is.SameAs(error));
            Assert.That(entry.Message, Does.Contain("coroutine 'lonely' (#1)"));

            Assert.That(bystander.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(bystander.Steps, Is.EqualTo(6));
        });

        IEnumerator Thrower()
        {
            yield return null;
            throw error;
        }
    }

    [Test]
    public void UnobservedFault_RaisedDuringTheFaultingStep()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => trace.Add($"reported:{e.Coroutine!.Name}@{loop.TickCount}");
        loop.Spawn(Thrower(), "t");

        loop.Tick();
        trace.Add("tick1");
        loop.Tick();
        trace.Add("tick2");

        Assert.That(trace.ToString(), Is.EqualTo("tick1 reported:t@2 tick2"));

        static IEnumerator Thrower()
        {
            yield return null;
            throw new InvalidOperationException("t");
        }
    }

    [Test]
    public void Fault_ObservedByJoiner_NotReportedForTheTarget()
    {
        var error = new InvalidOperationException("target failed");
        var logger = new CollectingLogger();
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine target = loop.Spawn(Thrower(), "target");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner");

        loop.RunUntilIdle();

        // The target had a joiner when it ended: its fault is observed. The joiner inherits it and nobody joins
        // the joiner, so the joiner's fault (the same instance) is the one report.
        Assert.Multiple(() =>
        {
            Assert.That(target.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(reports.Select(r => r.Coroutine), Is.EqualTo(new[] { joiner }));
            Assert.That(reports.Select(r => r.Exception), Is.EqualTo(new[] { error }));
            Assert.That(logger.Entries, Has.Count.EqualTo(1));
            Assert.That(logger.Entries[0].EventId.Id, Is.EqualTo(UnobservedFaultId));
            Assert.That(logger.Entries[0].Message, Does.Contain("'joiner'").And.Not.Contain("'target'"));
        });

        IEnumerator Thrower()
        {
            yield return null;
            throw error;
        }

        IEnumerator Joiner()
        {
            yield return target;
        }
    }

    [Test]
    public void Fault_ChainOfJoiners_OnlyTheLastUnjoinedIsReported()
    {
        var error = new InvalidOperationException("root cause");
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine c = loop.Spawn(Thrower(), "c");
        Coroutine b = loop.Spawn(Join(c), "b");
        Coroutine a = loop.Spawn(Join(b), "a");

        long steps = loop.RunUntilIdle();

        // c throws in round 2, b's disposal turn runs in round 3, a's in round 4.
        Assert.Multiple(() =>
        {
            Assert.That(new[] { a.Exception, b.Exception, c.Exception }, Is.All.SameAs(error));
            Assert.That(reports.Select(r => r.Coroutine), Is.EqualTo(new[] { a }));
            Assert.That(steps, Is.EqualTo(6));
            Assert.That(loop.TickCount, Is.EqualTo(5));
        });

        IEnumerator Thrower()
        {
            yield return null;
            throw error;
        }

        static IEnumerator Join(Coroutine other)
        {
            yield return other;
        }
    }

    [Test]
    public void Cancel_FinallyThrowsDuringDisposal_FaultsWithThatExceptionAndOuterFinallyRuns()
    {
        var trace = new Trace();
        var error = new InvalidOperationException("finally threw");
        var logger = new CollectingLogger();
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine task = loop.Spawn(Outer(), "task");
        loop.Tick(); // round 1: parks forever three frames deep

        Assert.That(task.Cancel(), Is.True);
        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("inner-finally middle-finally-throws outer-finally"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(task.Exception, Is.SameAs(error));
            Assert.That(task.Steps, Is.EqualTo(2));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(reports, Has.Count.EqualTo(1));
            Assert.That(reports[0].Coroutine, Is.SameAs(task));
            Assert.That(reports[0].Exception, Is.SameAs(error));
            Assert.That(logger.Entries.Select(e => e.EventId.Id), Is.EqualTo(new[] { UnobservedFaultId }));
            Assert.That(logger.Entries[0].Exception, Is.SameAs(error));
        });

        IEnumerator Outer()
        {
            try
            {
                yield return Middle();
            }
            finally
            {
                trace.Add("outer-finally");
            }
        }

        IEnumerator Middle()
        {
            try
            {
                yield return Inner();
            }
            finally
            {
                trace.Add("middle-finally-throws");
                throw error;
            }
        }

        IEnumerator Inner()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add("inner-finally");
            }
        }
    }

    [Test]
    public void Cancel_TwoFinallyBlocksThrow_FirstFaultsTheTaskSecondIsReportedAsDisposalFault()
    {
        var trace = new Trace();
        var first = new InvalidOperationException("inner finally");
        var second = new NotSupportedException("outer finally");
        var logger = new CollectingLogger();
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine task = loop.Spawn(Outer(), "task");
        loop.Tick();

        task.Cancel();
        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("inner-finally middle-finally outer-finally"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(task.Exception, Is.SameAs(first));
            Assert.That(reports.Select(r => r.Exception), Is.EqualTo(new Exception[] { second, first }));
            Assert.That(reports.Select(r => r.Coroutine), Is.All.SameAs(task));
            Assert.That(logger.Entries.Select(e => (e.EventId.Id, e.EventId.Name)), Is.EqualTo(new[]
            {
                (DisposalFaultId, "DisposalFault"),
                (UnobservedFaultId, "UnobservedFault"),
            }));
            Assert.That(logger.Entries.Select(e => e.Exception), Is.EqualTo(new Exception[] { second, first }));
        });

        IEnumerator Outer()
        {
            try
            {
                yield return Middle();
            }
            finally
            {
                trace.Add("outer-finally");
                throw second;
            }
        }

        IEnumerator Middle()
        {
            try
            {
                yield return Inner();
            }
            finally
            {
                trace.Add("middle-finally");
            }
        }

        IEnumerator Inner()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add("inner-finally");
                throw first;
            }
        }
    }

    [Test]
    public void Unwind_FinallyThrowsWhileFaultUnwinds_ReportedAndOtherDisposalsRun()
    {
        var trace = new Trace();
        var fault = new InvalidOperationException("inner threw");
        var secondary = new NotSupportedException("middle finally threw");
        var logger = new CollectingLogger();
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine task = loop.Spawn(Outer(), "task");
        Coroutine bystander = loop.Spawn(Ticker(3), "bystander");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("inner-finally middle-finally-throws outer-finally"));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(task.Exception, Is.SameAs(fault), "the fault that started the unwind is kept");
            Assert.That(task.Steps, Is.EqualTo(2));
            Assert.That(reports.Select(r => r.Exception), Is.EqualTo(new Exception[] { secondary, fault }));
            Assert.That(reports.Select(r => r.Coroutine), Is.All.SameAs(task));
            Assert.That(logger.Entries.Select(e => e.Level), Is.All.EqualTo(LogLevel.Error));
            Assert.That(logger.Entries.Select(e => (e.EventId.Id, e.EventId.Name)), Is.EqualTo(new[]
            {
                (DisposalFaultId, "DisposalFault"),
                (UnobservedFaultId, "UnobservedFault"),
            }));
            Assert.That(logger.Entries.Select(e => e.Exception), Is.EqualTo(new Exception[] { secondary, fault }));
            Assert.That(logger.Entries[0].Message, Does.Contain("coroutine 'task' (#1)"));
            Assert.That(bystander.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(bystander.Steps, Is.EqualTo(4));
        });

        IEnumerator Outer()
        {
            try
            {
                yield return Middle();
            }
            finally
            {
                trace.Add("outer-finally");
            }
        }

        IEnumerator Middle()
        {
            try
            {
                yield return Inner();
            }
            finally
            {
                trace.Add("middle-finally-throws");
                throw secondary;
            }
        }

        IEnumerator Inner()
        {
            try
            {
                yield return null;
                throw fault;
            }
            finally
            {
                trace.Add("inner-finally");
            }
        }
    }

    [Test]
    public void UnobservedFault_HandlerThrows_LoopKeepsRunningAndLogsIt()
    {
        var handlerError = new InvalidOperationException("handler broke");
        var logger = new CollectingLogger();
        int handlerCalls = 0;
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, _) =>
        {
            handlerCalls++;
            throw handlerError;
        };
        Coroutine first = loop.Spawn(Thrower("first"), "first");
        Coroutine second = loop.Spawn(Thrower("second"), "second");
        Coroutine bystander = loop.Spawn(Ticker(4), "bystander");

        long steps = loop.RunUntilIdle(); // a throwing handler must not escape into the driver

        Assert.Multiple(() =>
        {
            Assert.That(handlerCalls, Is.EqualTo(2));
            Assert.That(first.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(second.State, Is.EqualTo(CoroutineState.Faulted));
            Assert.That(bystander.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(bystander.Steps, Is.EqualTo(5));
            Assert.That(steps, Is.EqualTo(2 + 2 + 5));
            Assert.That(logger.Entries.Select(e => e.EventId.Id), Is.EqualTo(new[]
            {
                UnobservedFaultId, FaultHandlerFaultId, UnobservedFaultId, FaultHandlerFaultId,
            }));
            Assert.That(logger.Entries[1].EventId.Name, Is.EqualTo("FaultHandlerFault"));
            Assert.That(logger.Entries[1].Exception, Is.SameAs(handlerError));
            Assert.That(logger.Entries[1].Level, Is.EqualTo(LogLevel.Error));
        });

        static IEnumerator Thrower(string message)
        {
            yield return null;
            throw new InvalidOperationException(message);
        }
    }

    [Test]
    public void Post_CallbackThrows_ReportedWithNullCoroutineAndOthersStillRun()
    {
        var trace = new Trace();
        var error = new InvalidOperationException("callback broke");
        var logger = new CollectingLogger();
        var reports = new List<UnobservedFaultEventArgs>();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.UnobservedFault += (_, e) => reports.Add(e);
        Coroutine task = loop.Spawn(Body(), "task");
        loop.Post(() => trace.Add("p1"));
        loop.Post(() => throw error);
        loop.Post(() => trace.Add("p3"));

        int steps = loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("p1 p3 task@1"));
            Assert.That(steps, Is.EqualTo(1));
            Assert.That(task.State, Is.EqualTo(CoroutineState.Completed));
            Assert.That(reports, Has.Count.EqualTo(1));
            Assert.That(reports[0].Coroutine, Is.Null);
            Assert.That(reports[0].Exception, Is.SameAs(error));
            Assert.That(logger.Entries, Has.Count.EqualTo(1));
            Assert.That(logger.Entries[0].Level, Is.EqualTo(LogLevel.Error));
            Assert.That(logger.Entries[0].EventId.Id, Is.EqualTo(PostedCallbackFaultId));
            Assert.That(logger.Entries[0].EventId.Name, Is.EqualTo("PostedCallbackFault"));
            Assert.That(logger.Entries[0].Exception, Is.SameAs(error));
        });

        IEnumerator Body()
        {
            trace.Add($"task@{loop.TickCount}");
            yield break;
        }
    }

    private static IEnumerator Ticker(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }
}
