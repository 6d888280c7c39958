using System.Text;

namespace Scheduler.Testing;

// Failure messages: what went wrong, then the loop's state, the live tasks and the end of the trace, so that a
// failing test says why without a debugger.
public sealed partial class LoopTest
{
    private const int TraceLinesInFailures = 20;

    /// <summary>A failure with the loop's state, the task dump and the last lines of the trace.</summary>
    private LoopTestException Failure(string what, Exception? inner = null)
    {
        var text = new StringBuilder(what);
        text.Append("\n\n").Append(DescribeLoop());
        text.Append("\n\nLast trace lines:\n").Append(Trace.Tail(TraceLinesInFailures));
        return new LoopTestException(text.ToString(), inner, seed: null);
    }

    /// <summary>Throws if coroutines faulted with nobody observing them since the last check (when the options say so).</summary>
    private void ThrowIfUnobservedFaults()
    {
        if (_unobserved.Count == 0 || !_failOnUnobservedFault)
        {
            _unobserved.Clear();
            return;
        }

        (Coroutine? Coroutine, Exception Exception)[] faults = [.. _unobserved];
        _unobserved.Clear();
        var text = new StringBuilder();
        foreach ((Coroutine? coroutine, Exception exception) in faults)
        {
            text.Append(coroutine is null ? "A posted callback" : coroutine.ToString())
                .Append(" faulted and nobody observed it (joined it or read its result): ")
                .Append(exception.GetType().Name).Append(": ").Append(exception.Message).Append('\n');
        }

        text.Append("If the fault is expected, join the coroutine (or read its Result), or set LoopTestOptions.FailOnUnobservedFault = false.");
        throw Failure(text.ToString(), faults[0].Exception);
    }

    /// <summary>Where the loop is (round, steps, virtual time, order) and the loop's task dump.</summary>
    private string DescribeLoop() =>
        $"Loop test: round {Loop.TickCount}, {Loop.StepCount} step(s), virtual time +{Clock.Elapsed}, " +
        $"{(ShuffleSeed is int seed ? $"shuffle seed {seed}" : "FIFO order")}.\n" +
        $"Task dump:\n{Loop.Dump().ReplaceLineEndings("\n")}";
}
