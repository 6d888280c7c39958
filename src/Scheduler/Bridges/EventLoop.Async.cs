namespace Scheduler;

// Bridges to async/await: the loop's SynchronizationContext, installed while a driver runs so that async
// methods started on the loop resume on it; a driver on a dedicated thread for async callers; and the
// loop-side helpers of the task waits (Bridges/TaskWait.cs) and of tasks that represent coroutines.
public sealed partial class EventLoop
{
    private LoopSynchronizationContext? _synchronizationContext; // created on first use, from any thread

    // What SynchronizationContext.Current was when the running driver entered; restored when it exits. Drivers
    // are not re-entrant, so one field serves.
    private SynchronizationContext? _contextBeforeDriver;

    // Loop thread only: what a waiter of a canceled .NET task "joins" to inherit the cancellation.
    private Coroutine? _canceledTaskMarker;

    /// <summary>Gets the loop's synchronization context: its <see cref="SynchronizationContext.Post"/> runs the callback on the loop thread.</summary>
    /// <remarks>
    /// <para>While a driver (<see cref="Tick"/>, <see cref="RunUntilIdle()"/>, <see cref="Run"/>,
    /// <see cref="RunUntilComplete(Coroutine)"/>, <see cref="Dispose"/>) runs, this context is
    /// <see cref="System.Threading.SynchronizationContext.Current"/> on the loop thread, and the previous one is
    /// restored when the driver returns. So an <c>await</c> inside an <c>async</c> method started on the loop
    /// thread (in a step, or in a posted callback) resumes on the loop thread: the continuation is posted to the
    /// inbox and runs in phase (a) of the next round, as a posted callback.</para>
    /// <para><c>Post</c> is safe from any thread and never runs the callback inline; after the loop is disposed a
    /// posted callback is dropped and logged at Warning (its async method never resumes). <c>Send</c> runs the
    /// callback inline on the loop thread; from another thread it posts the callback and blocks that thread until
    /// the loop has run it, rethrowing its exception, so it never returns if nobody drives the loop.</para>
    /// <para>A task completed by code on the loop thread (a <see cref="TaskCompletionSource"/> created without
    /// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>) may resume an async method waiting on it
    /// inline, inside that code, as .NET does on any single-threaded context; create such sources with that
    /// option to always resume in a later round.</para>
    /// </remarks>
    public SynchronizationContext SynchronizationContext =>
        _synchronizationContext
        ?? Interlocked.CompareExchange(ref _synchronizationContext, new LoopSynchronizationContext(this), null)
        ?? _synchronizationContext;

    /// <summary>Runs the loop (<see cref="Run"/>) on a new dedicated thread and returns a task that completes when <see cref="Run"/> returns.</summary>
    /// <remarks>
    /// <para>For async code that owns a loop: spawn the coroutines, call <c>RunAsync</c>, and <c>await</c> the
    /// coroutines (from any thread) or the returned task. <see cref="Run"/> returns once no coroutine is alive
    /// (with <see cref="EventLoopOptions.KeepRunningWhenEmpty"/>, once <paramref name="cancellationToken"/> is
    /// canceled), so spawn before calling this: a loop with nothing to do returns at once. Async methods do not
    /// keep <see cref="Run"/> running by themselves; spawn them with <c>Routine.FromTask</c> to make them
    /// coroutines that do.</para>
    /// <para>Returns once the new thread has taken the loop's thread role (or <see cref="Run"/> has already
    /// returned or failed), so from then on the calling thread is a foreign thread: its spawns and posts go
    /// through the inbox. The thread is a background thread named after the loop (<see cref="Name"/>), not a pool thread: the loop sleeps
    /// on it when idle. The task completes (never canceled) when <see cref="Run"/> returns, also when the token stopped it,
    /// and faults with the exception <see cref="Run"/> threw, such as the <see cref="InvalidOperationException"/>
    /// of a loop that another thread already drives. Its continuations never run on the loop thread.</para>
    /// </remarks>
    /// <param name="cancellationToken">Stops the loop at the next round boundary.</param>
    /// <returns>A task that completes when the loop stops running.</returns>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public Task RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(cancellationToken);
                stopped.TrySetResult();
            }
            catch (Exception ex)
            {
                stopped.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = Name,
        };
        thread.Start();

        // Wait (briefly: a thread start) until the new thread holds the driver role, or Run has already returned
        // or failed. Until then the calling thread would still count as the loop's thread, and a Spawn right after
        // RunAsync would touch the ready queue while the new thread starts its first round.
        int runner = thread.ManagedThreadId;
        SpinWait.SpinUntil(() => Volatile.Read(ref _driverThreadId) == runner || stopped.Task.IsCompleted);
        return stopped.Task;
    }

    /// <summary>Whether the calling thread is running a driver of this loop right now (stricter than <see cref="IsLoopThread"/>).</summary>
    internal bool IsDrivingThread => Volatile.Read(ref _driverThreadId) == Environment.CurrentManagedThreadId;

    internal Coroutine CanceledTaskMarker => _canceledTaskMarker ??= Coroutine.CreateCanceledTaskMarker(this);

    /// <summary>Posts a continuation for the loop's synchronization context; false when the loop is disposed.</summary>
    internal bool TryPostFromContext(Action callback)
    {
        try
        {
            Post(callback);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    internal void ReportDroppedContinuation() => Log.ContinuationDropped(_logger);

    /// <summary>Called by <see cref="EnterDriver"/> once the calling thread holds the driver role.</summary>
    private void InstallSynchronizationContext()
    {
        _contextBeforeDriver = System.Threading.SynchronizationContext.Current;
        System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
    }

    /// <summary>Called by <see cref="ExitDriver"/> before the driver role is released.</summary>
    private void RestoreSynchronizationContext()
    {
        System.Threading.SynchronizationContext.SetSynchronizationContext(_contextBeforeDriver);
        _contextBeforeDriver = null;
    }
}
