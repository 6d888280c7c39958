using System.Runtime.ExceptionServices;

namespace Scheduler;

/// <summary>
/// The loop's <see cref="SynchronizationContext"/>, current on the loop thread while a driver runs. An
/// <c>await</c> in an <c>async</c> method started there captures it, and the continuation comes back through
/// <see cref="Post"/>: the loop's inbox, so it runs on the loop thread in phase (a) of the next round, as one
/// more kind of step (a posted callback).
/// </summary>
internal sealed class LoopSynchronizationContext(EventLoop loop) : SynchronizationContext
{
    public EventLoop Loop => loop;

    /// <summary>Queues <paramref name="d"/> to the loop's inbox. Safe from any thread; never runs it inline.</summary>
    /// <remarks>
    /// After the loop is disposed the callback is dropped and logged (the async method it belongs to never
    /// resumes), as a UI dispatcher does after shutdown: throwing here would surface on whatever thread completed
    /// the awaited task, typically a pool thread, and crash the process.
    /// </remarks>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (!loop.TryPostFromContext(() => d(state)))
        {
            loop.ReportDroppedContinuation();
        }
    }

    /// <summary>
    /// Runs <paramref name="d"/> on the loop thread and returns when it has run: inline on the loop thread;
    /// from another thread, posted to the inbox while the caller blocks until the loop has run it.
    /// </summary>
    /// <remarks>
    /// Only the calling (foreign) thread blocks, never the loop thread. It blocks until some driver runs the next
    /// round (or the loop is disposed, which runs the inbox), so a Send from another thread to a loop that nobody
    /// drives never returns. An exception thrown by <paramref name="d"/> is rethrown to the caller, with its
    /// original stack trace, instead of being reported as a callback fault.
    /// </remarks>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (loop.IsLoopThread)
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim(initialState: false);
        ExceptionDispatchInfo? error = null;
        loop.Post(() =>
        {
            try
            {
                d(state);
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                done.Set();
            }
        });

        done.Wait(); // allowed: a foreign thread waits for the loop, as Send requires; the loop thread never gets here
        error?.Throw();
    }

    /// <summary>The context carries no per-operation state, so a copy is the context itself.</summary>
    public override SynchronizationContext CreateCopy() => this;
}
