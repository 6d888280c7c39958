namespace Scheduler;

// Threading: which thread owns the loop, and the inbox, the only structure other threads touch.
//
// The inbox is a list swapped under a lock: posters append under the lock; the loop takes the whole list
// (its snapshot for phase (a)) and leaves an empty one behind. The same lock guards the "sleeping" flag, so a
// post that arrives between "inbox empty" and "go to sleep" always finds the flag set and wakes the loop:
// the lost wake-up of the known traps cannot happen. No lock is ever held while user code runs.
public sealed partial class EventLoop
{
    private readonly Lock _inboxGate = new();
    private readonly ManualResetEventSlim _wake = new(initialState: false);
    private List<InboxItem> _inbox = [];
    private List<InboxItem> _inboxSpare = [];
    private volatile bool _inboxHasItems;
    private bool _sleeping;
    private volatile bool _disposed;

    // Set by Dispose called from another thread while a driver runs: the driver disposes the loop as it exits.
    private int _disposeRequested;
    private ITimer? _wakeTimer;

    // 0 when no driver runs. Written with Interlocked on entry, so two threads cannot both drive.
    private int _driverThreadId;
    private volatile int _homeThreadId;

    /// <summary>Gets whether the calling thread is the loop's thread (see the threading rules on <see cref="EventLoop"/>).</summary>
    public bool IsLoopThread
    {
        get
        {
            int driver = Volatile.Read(ref _driverThreadId);
            return Environment.CurrentManagedThreadId == (driver != 0 ? driver : _homeThreadId);
        }
    }

    private bool InboxHasItems => _inboxHasItems;

    /// <summary>Queues <paramref name="callback"/> to run on the loop thread at the start of the next round.</summary>
    /// <remarks>
    /// Safe from any thread, including the loop's own. Callbacks run in the order each thread posted them. A post
    /// wakes a sleeping <see cref="Run"/> at once. A callback that throws is logged and raised as
    /// <see cref="UnobservedFault"/> (with a null coroutine); the other callbacks still run.
    /// </remarks>
    /// <param name="callback">The work to run on the loop thread.</param>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed (the callback will never run).</exception>
    public void Post(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        PostToInbox(new InboxItem(InboxKind.Callback, null, callback));
    }

    private void PostToInbox(InboxItem item, bool throwIfClosed = true)
    {
        bool wake;
        lock (_inboxGate)
        {
            if (_disposed)
            {
                if (throwIfClosed)
                {
                    throw new ObjectDisposedException(nameof(EventLoop), "The event loop has been disposed; nothing more can be posted to it.");
                }

                return; // a cancel racing Dispose: Dispose cancels every live coroutine anyway
            }

            _inbox.Add(item);
            _inboxHasItems = true;
            wake = _sleeping;
        }

        if (wake)
        {
            SignalWake();
        }
    }

    /// <summary>Phase (a): runs the items posted before this call; items posted meanwhile wait for the next round.</summary>
    private void RunInbox()
    {
        List<InboxItem> batch;
        lock (_inboxGate)
        {
            batch = _inbox;
            _inbox = _inboxSpare;
            _inboxHasItems = false;
        }

        foreach (InboxItem item in batch)
        {
            switch (item.Kind)
            {
                case InboxKind.Spawn:
                    Start(item.Coroutine!, throwOnError: false);
                    break;
                case InboxKind.Cancel:
                    ApplyCancel(item.Coroutine!);
                    break;
                case InboxKind.Completion:
                    CompleteExternal(item.Waiter!, item.Ticket, item.Error);
                    break;
                default:
                    RunCallback(item.Callback!);
                    break;
            }
        }

        batch.Clear();
        _inboxSpare = batch;
    }

    private void RunCallback(Action callback)
    {
        try
        {
            callback();
        }
        catch (Exception ex)
        {
            ReportCallbackFault(ex);
        }
    }

    /// <summary>Stops accepting posts and spawns; after this returns, nothing new can enter the inbox.</summary>
    private void CloseInbox()
    {
        lock (_inboxGate)
        {
            _disposed = true;
        }
    }

    /// <summary>
    /// Sleeps the loop thread until a post, the token, or <paramref name="limit"/> on the loop's clock. This is
    /// the one place the loop blocks, and only when nothing is ready.
    /// </summary>
    private void SleepUntilWork(TimeSpan limit, CancellationToken cancellationToken)
    {
        if (limit == TimeSpan.Zero)
        {
            return;
        }

        lock (_inboxGate)
        {
            if (_inboxHasItems)
            {
                return;
            }

            _sleeping = true;
            _wake.Reset();
        }

        try
        {
            // Checked after the reset: a cancel or an alarm that signaled before it is seen here, one after it
            // sets the event.
            if (cancellationToken.IsCancellationRequested || _timersDue || Volatile.Read(ref _disposeRequested) != 0)
            {
                return;
            }

            if (limit != Timeout.InfiniteTimeSpan)
            {
                _wakeTimer ??= _clock.CreateTimer(static state => ((EventLoop)state!).SignalWake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _wakeTimer.Change(limit, Timeout.InfiniteTimeSpan);
            }

            // allowed: the loop sleeps only here, when nothing is ready; the token wakes it through its registration.
            _wake.Wait(CancellationToken.None);
        }
        finally
        {
            lock (_inboxGate)
            {
                _sleeping = false;
            }

            _wakeTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void SignalWake() => _wake.Set();

    /// <summary>Takes the loop's thread role for a driver, or throws if that would break the threading rules.</summary>
    private void EnterDriver()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int me = Environment.CurrentManagedThreadId;
        int running = Interlocked.CompareExchange(ref _driverThreadId, me, 0);
        if (running == me)
        {
            throw new InvalidOperationException(
                CurrentCoroutine is { } step
                    ? $"A driver (Tick, RunUntilIdle, Run, RunUntilComplete, Dispose) was called from inside the step of {step}; a step must yield instead."
                    : "A driver (Tick, RunUntilIdle, Run, RunUntilComplete, Dispose) was called re-entrantly from a callback running on the loop.");
        }

        if (running != 0)
        {
            throw new InvalidOperationException($"The event loop is already being driven by thread {running}; a loop runs on one thread at a time.");
        }

        _homeThreadId = me;
        InstallSynchronizationContext(); // async methods started on the loop resume on it (Bridges/EventLoop.Async.cs)
    }

    private void ExitDriver()
    {
        RestoreSynchronizationContext();
        Interlocked.Exchange(ref _driverThreadId, 0); // a full fence: pairs with the one in Dispose
        if (Volatile.Read(ref _disposeRequested) != 0 && Interlocked.Exchange(ref _disposeRequested, 0) != 0)
        {
            DisposeCore(); // another thread called Dispose while this driver ran
        }
    }

    /// <summary>Throws unless the calling thread owns the loop.</summary>
    private void CheckAccess()
    {
        if (!IsLoopThread)
        {
            throw new InvalidOperationException(
                $"This member belongs to the event loop's thread (thread {(_driverThreadId != 0 ? _driverThreadId : _homeThreadId)}), " +
                $"but was called from thread {Environment.CurrentManagedThreadId}. Use Post to run code on the loop.");
        }
    }

    private enum InboxKind : byte
    {
        Callback,
        Spawn,
        Cancel,
        Completion,
    }

    private readonly record struct InboxItem(
        InboxKind Kind,
        Coroutine? Coroutine,
        Action? Callback = null,
        IWaiter? Waiter = null,
        int Ticket = 0,
        Exception? Error = null);
}
