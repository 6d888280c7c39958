using System.Collections;
using Microsoft.Extensions.Logging;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// The loop's hooks for hosts and tools: logging scopes around steps, step observers, CancelAll, the loop's
/// name, the fault count, and the validation of the options that drive them.
/// </summary>
public class LoopHookTests
{
    [Test]
    public void LogScopes_On_EveryStepLogsInsideAScopeNamingItsCoroutine()
    {
        var logger = new ScopeRecordingLogger();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), LogScopes = true }, logger);
        loop.Spawn(Chatty(logger, "a", 2), "alpha");
        loop.Spawn(Chatty(logger, "b", 1));

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(logger.Text, Is.EqualTo(
                "a0 [CoroutineId=1, CoroutineName=alpha] | b0 [CoroutineId=2] | a1 [CoroutineId=1, CoroutineName=alpha]"));
            Assert.That(logger.OpenScopes, Is.Zero, "every scope closes when its step ends");
            Assert.That(logger.ScopesBegun, Is.EqualTo(5), "one scope per step: 3 for alpha, 2 for the other");
        });
    }

    [Test]
    public void LogScopes_Off_StepsRunWithoutScopes()
    {
        var logger = new ScopeRecordingLogger();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock() }, logger);
        loop.Spawn(Chatty(logger, "a", 1), "alpha");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(logger.Text, Is.EqualTo("a0 []"));
            Assert.That(logger.ScopesBegun, Is.Zero);
        });
    }

    [Test]
    public void LogScopes_FaultedStep_TheUnobservedFaultIsLoggedInsideTheScopeAndTheScopeCloses()
    {
        var logger = new ScopeRecordingLogger();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), LogScopes = true }, logger);
        loop.Spawn(Throws(), "thrower");

        loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(logger.Text, Is.EqualTo(
                "coroutine 'thrower' (#1) faulted and nobody joined it [CoroutineId=1, CoroutineName=thrower]"));
            Assert.That(logger.OpenScopes, Is.Zero);
        });

        static IEnumerator Throws()
        {
            yield return null;
            throw new InvalidOperationException("boom");
        }
    }

    [Test]
    public void Observers_AroundEveryStep_FirstRegisteredIsOutermostAndAFaultedStepIsStillClosed()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.AddObserver(new RecordingObserver(trace, "outer"));
        loop.AddObserver(new RecordingObserver(trace, "inner"));
        loop.Spawn(OneYieldThenThrow(trace), "t");

        loop.RunUntilIdle();

        Assert.That(trace.ToString(), Is.EqualTo(
            "outer<t inner<t body inner>Ready outer>Ready " +
            "outer<t inner<t throw inner>Faulted outer>Faulted"));

        static IEnumerator OneYieldThenThrow(Trace trace)
        {
            trace.Add("body");
            yield return null;
            trace.Add("throw");
            throw new InvalidOperationException("expected");
        }
    }

    [Test]
    public void AddObserver_FromInsideAStepOfABusyLoop_ObservesFromTheNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        loop.Spawn(AddsAnObserverThenYields(), "t");

        loop.RunUntilIdle(); // one task yielding: the loop would run its rounds back to back in one batch

        Assert.That(trace.ToString(), Is.EqualTo("added obs<t obs>Ready obs<t obs>Completed"));

        IEnumerator AddsAnObserverThenYields()
        {
            loop.AddObserver(new RecordingObserver(trace, "obs"));
            trace.Add("added");
            yield return null;
            yield return null;
        }
    }

    [Test]
    public void RemoveObserver_StopsItsCalls_OthersKeepRunning()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        var first = new RecordingObserver(trace, "1");
        loop.AddObserver(first);
        loop.AddObserver(new RecordingObserver(trace, "2"));
        loop.Spawn(Yields(2), "t");
        loop.Tick();
        loop.RemoveObserver(first);
        loop.Tick();

        Assert.That(trace.ToString(), Is.EqualTo("1<t 2<t 2>Ready 1>Ready 2<t 2>Ready"));
    }

    [Test]
    public void CancelAll_OnTheLoopThread_CancelsEveryLiveCoroutineAndTheirFinallyBlocksRunNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine sleeper = loop.Spawn(Guarded(trace, "sleeper", Wait.For(TimeSpan.FromHours(1))));
        Coroutine looper = loop.Spawn(Guarded(trace, "looper", null));
        loop.Tick();

        int canceled = loop.CancelAll();
        int again = loop.CancelAll();
        loop.Tick(); // the disposals take one round

        Assert.Multiple(() =>
        {
            Assert.That(canceled, Is.EqualTo(2));
            Assert.That(again, Is.Zero, "already canceled");
            // The queued looper keeps its place; the sleeper is unlinked from its timer and queued behind it.
            Assert.That(trace.ToString(), Is.EqualTo("finally:looper finally:sleeper"));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(looper.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(loop.LiveCount, Is.Zero);
        });
    }

    [Test]
    public void CancelAll_FromAnotherThread_IsAppliedAtTheStartOfTheNextRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        Coroutine looper = loop.Spawn(Guarded(trace, "looper", null));
        loop.Tick();

        int returned = -1;
        var other = new Thread(() => returned = loop.CancelAll());
        other.Start();
        Assert.That(other.Join(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(looper.State, Is.EqualTo(CoroutineState.Ready), "nothing happens until the loop runs");

        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(returned, Is.Zero, "the count is not known on another thread");
            Assert.That(trace.ToString(), Is.EqualTo("finally:looper"));
            Assert.That(looper.State, Is.EqualTo(CoroutineState.Canceled));
        });
    }

    [Test]
    public void FaultCount_CountsFaultedCoroutinesObservedOrNot()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, _) => { };
        Coroutine failing = loop.Spawn(Fails());
        loop.Spawn(Join(failing));
        loop.Spawn(Yields(1));

        loop.RunUntilIdle();

        Assert.That(loop.FaultCount, Is.EqualTo(2), "the failing coroutine, and its joiner that inherits the fault");

        static IEnumerator Fails()
        {
            yield return null;
            throw new InvalidOperationException("expected");
        }

        static IEnumerator Join(Coroutine other)
        {
            yield return other;
        }
    }

    [Test]
    public void Name_DefaultsToEventLoop_OrTakesTheOption()
    {
        using var unnamed = new EventLoop(new VirtualClock());
        using var named = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), Name = "orders" });

        Assert.Multiple(() =>
        {
            Assert.That(unnamed.Name, Is.EqualTo("event-loop"));
            Assert.That(named.Name, Is.EqualTo("orders"));
        });
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void Constructor_NonPositiveSlowStepThreshold_ThrowsNamingTheOption(int milliseconds)
    {
        var options = new EventLoopOptions { SlowStepThreshold = TimeSpan.FromMilliseconds(milliseconds) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop(options).Dispose());

        Assert.That(error!.ParamName, Is.EqualTo("options.SlowStepThreshold"));
    }

    [Test]
    public void Constructor_InfiniteSlowStepThreshold_IsAccepted()
    {
        var options = new EventLoopOptions { SlowStepThreshold = Timeout.InfiniteTimeSpan };

        Assert.DoesNotThrow(() => new EventLoop(options).Dispose());
    }

    private static IEnumerator Chatty(ILogger logger, string prefix, int yields)
    {
        for (int i = 0; i < yields; i++)
        {
#pragma warning disable CA1848, CA1873, CA2254 // a test logger: the template is the message
            logger.LogInformation(prefix + i);
#pragma warning restore CA1848, CA1873, CA2254
            yield return null;
        }
    }

    private static IEnumerator Yields(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Guarded(Trace trace, string name, object? wait)
    {
        try
        {
            while (true)
            {
                yield return wait;
            }
        }
        finally
        {
            trace.Add("finally:" + name);
        }
    }

    private sealed class RecordingObserver(Trace trace, string label) : StepObserver
    {
        public override void BeforeStep(Coroutine coroutine) => trace.Add($"{label}<{coroutine.Name}");

        public override void AfterStep(Coroutine coroutine) => trace.Add($"{label}>{coroutine.State}");
    }

    /// <summary>Records each message with the properties of the scopes open when it was logged.</summary>
    private sealed class ScopeRecordingLogger : ILogger
    {
        private readonly List<object> _open = [];

        private readonly List<string> _lines = [];

        public string Text => string.Join(" | ", _lines);

        public int ScopesBegun { get; private set; }

        public int OpenScopes => _open.Count;

        public IDisposable BeginScope<TState>(TState state)
            where TState : notnull
        {
            ScopesBegun++;
            _open.Add(state);
            return new Closer(() => _open.Remove(state));
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = _open
                .OfType<IEnumerable<KeyValuePair<string, object>>>()
                .SelectMany(pairs => pairs)
                .Select(pair => $"{pair.Key}={pair.Value}");
            _lines.Add($"{formatter(state, exception)} [{string.Join(", ", properties)}]");
        }

        private sealed class Closer(Action close) : IDisposable
        {
            public void Dispose() => close();
        }
    }
}
