using System.Collections;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scheduler.Hosting;

// Design note
// ===========
// The loop runs on a thread this service owns (a background thread named after the options, not a pool
// thread: the loop sleeps on it when idle), from StartAsync to StopAsync.
//
// Start: the routines are created on the host's thread (so a constructor or factory that throws fails the
// start), then one posted callback spawns them all on the loop thread, in registration order, in the loop's
// first round. StartAsync returns once that callback ran, so the loop is being driven before anyone else calls
// into it from the host's thread.
//
// Stop: (1) the stopping token is canceled; (2) with DrainThenCancel, the coroutines get DrainTimeout to end by
// themselves; (3) every live coroutine is canceled (CancelAll, repeated every few milliseconds so that one
// spawned while stopping is canceled too) and the stop waits until none is alive; the canceled ones run their
// finally blocks on the loop thread, in the rounds that follow; (4) the run is stopped and the loop thread
// disposes the loop (which reports items still buffered in channels) and exits. Nothing here blocks a host
// thread: the waits are awaits bounded by the host's stop token, which carries HostOptions.ShutdownTimeout.
// If that token fires first, a step is stuck (or coroutines keep being spawned): the warning names the step,
// and the stop returns; the run is already told to stop, so when the step returns the loop thread disposes the
// loop and every remaining finally runs there.
//
// Faults: the loop logs every unobserved fault at Error (event 1, with the coroutine's name). With StopHost,
// this service also records it, stops the application, and throws it from StopAsync after the graceful stop,
// which is how the host's StopAsync and RunAsync surface it (the generic host rethrows a single exception from
// a hosted service's StopAsync as is). .NET 10's BackgroundService, with the same option, stops the host but
// does not make RunAsync throw; later runtimes do, and so do we.

/// <summary>Runs the hosted loop on its own thread from the host's start to its stop; see the design note above.</summary>
internal sealed class EventLoopHostedService : IHostedService, IAsyncDisposable, IDisposable
{
    private const int Created = 0;
    private const int Started = 1;

    // How often the stop re-applies CancelAll and re-counts the live coroutines while it waits. Most stops end
    // sooner: the first check posts a confirmation that runs right after the round that disposed the coroutines.
    private static readonly TimeSpan s_recheckPeriod = TimeSpan.FromMilliseconds(10);

    private readonly EventLoop _loop;
    private readonly EventLoopHostOptions _options;
    private readonly HostedRoutineRegistration[] _routines;
    private readonly IServiceProvider _services;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger _logger;

    private readonly CancellationTokenSource _stopping = new();  // the routines' stopping token
    private readonly CancellationTokenSource _run = new();       // stops loop.Run
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<Exception> _faults = [];               // faults that stop the host, surfaced by StopAsync
    private readonly List<object> _ownedWorkers = [];            // workers created here, disposed after the loop

    private int _state;                                          // Created, then Started: a host starts it once
    private Thread? _thread;
    private Exception? _runFailure;
    private int _stopStarted;
    private Task? _dispose;
    private TimeSpan _stopWaited;                                // how long the stop waited, reused as the grace at dispose

    public EventLoopHostedService(
        EventLoop loop,
        EventLoopHostOptions options,
        HostedRoutineRegistration[] routines,
        IServiceProvider services,
        IHostApplicationLifetime? lifetime,
        ILoggerFactory loggerFactory)
    {
        _loop = loop;
        _options = options;
        _routines = routines;
        _services = services;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger(HostingLog.Category);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Started, Created) != Created)
        {
            throw new InvalidOperationException($"The hosted event loop {_loop.Name} has already been started; a host starts it once.");
        }

        var routines = new IEnumerator[_routines.Length];
        for (int i = 0; i < _routines.Length; i++)
        {
            routines[i] = _routines[i].Create(_services, _ownedWorkers, _stopping.Token);
        }

        _loop.UnobservedFault += OnUnobservedFault;
        var spawned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Post(() => SpawnRoutines(routines, spawned));

        _thread = new Thread(RunLoop) { Name = _options.ThreadName, IsBackground = true };
        _thread.Start();

        try
        {
            await Task.WhenAny(spawned.Task, _exited.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _runFailure) is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure); // Run refused to start, say because another thread drives the loop
            }

            await spawned.Task.ConfigureAwait(false);
        }
        catch
        {
            _run.Cancel(); // the loop thread disposes the loop, and whatever was spawned
            throw;
        }

        string names = string.Join(", ", _routines.Select(r => r.Name));
        HostingLog.LoopStarted(_logger, _loop.Name, _routines.Length, names);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_thread is null)
        {
            return Task.CompletedTask; // never started, or failed before its thread started: nothing runs
        }

        if (Interlocked.Exchange(ref _stopStarted, 1) == 0)
        {
            _ = RunStopAsync(cancellationToken); // not under a lock: the stopping token's callbacks run inside it
        }

        return ThenSurfaceFaultsAsync(_stopped.Task); // a second StopAsync waits for the first, and throws the same
    }

    // The container disposes this service twice (it is registered as itself and as an IHostedService): the
    // second call gets the first one's task.
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _dispose ??= DisposeOnceAsync();
        }

        return new ValueTask(_dispose);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task DisposeOnceAsync()
    {
        await Task.Yield(); // not under the caller's lock
        if (_thread is not null && !_exited.Task.IsCompleted)
        {
            // Disposed without a stop, or after a stop that timed out: tell the run to stop and give the loop
            // thread as long again as the stop waited to dispose the loop (every remaining finally runs there).
            _run.Cancel();
            TimeSpan grace = _stopWaited > TimeSpan.Zero ? _stopWaited : _options.DrainTimeout;
            try
            {
                await _exited.Task.WaitAsync(grace, TimeProvider.System).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                string runningStep = DescribeRunningStep();
                HostingLog.StillRunningAtDispose(_logger, _loop.Name, runningStep);
                return; // the loop thread still uses the loop, its workers and the token sources
            }
        }

        foreach (object worker in _ownedWorkers)
        {
            try
            {
                if (worker is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    ((IDisposable)worker).Dispose();
                }
            }
            catch (Exception ex)
            {
                HostingLog.WorkerDisposeFailed(_logger, worker.GetType().Name, ex);
            }
        }

        _ownedWorkers.Clear();
        _stopping.Dispose();
        _run.Dispose();
    }

    private void SpawnRoutines(IEnumerator[] routines, TaskCompletionSource spawned)
    {
        try
        {
            for (int i = 0; i < routines.Length; i++)
            {
                Coroutine coroutine = _loop.Spawn(routines[i], _routines[i].Name);
                string description = coroutine.ToString();
                HostingLog.RoutineSpawned(_logger, _routines[i].Name, description);
            }

            spawned.TrySetResult();
        }
        catch (Exception ex)
        {
            spawned.TrySetException(ex); // say, the same iterator provided twice: the start fails with it
        }
    }

    private void RunLoop()
    {
        try
        {
            _loop.Run(_run.Token);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _runFailure, ex);
            HostingLog.LoopFailed(_logger, _loop.Name, ex);
            StopHost(ex);
        }
        finally
        {
            try
            {
                _loop.Dispose(); // on the loop thread, after the coroutines ended: reports leftovers in channels
            }
            catch (Exception ex)
            {
                HostingLog.LoopDisposeFailed(_logger, _loop.Name, ex);
            }

            _exited.TrySetResult();
        }
    }

    private async Task RunStopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StopOnceAsync(cancellationToken).ConfigureAwait(false);
            _stopped.TrySetResult();
        }
        catch (Exception ex)
        {
            _stopped.TrySetException(ex);
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        long started = TimeProvider.System.GetTimestamp();
        HostingLog.LoopStopping(_logger, _loop.Name, _options.ShutdownBehavior);
        try
        {
            _stopping.Cancel(); // the callbacks run here, inline; one that throws is logged, and the stop goes on
        }
        catch (AggregateException ex)
        {
            HostingLog.StoppingCallbackFailed(_logger, _loop.Name, ex);
        }

        bool drained = false;
        if (_options.ShutdownBehavior == EventLoopShutdownBehavior.DrainThenCancel)
        {
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drain.CancelAfter(_options.DrainTimeout);
            drained = await WaitUntilNoneAliveAsync(cancel: false, drain.Token).ConfigureAwait(false);
            if (!drained && !cancellationToken.IsCancellationRequested)
            {
                HostingLog.DrainTimedOut(_logger, _loop.Name, (long)_options.DrainTimeout.TotalMilliseconds);
            }
        }

        if (!drained)
        {
            drained = await WaitUntilNoneAliveAsync(cancel: true, cancellationToken).ConfigureAwait(false);
        }

        _run.Cancel();
        if (drained)
        {
            try
            {
                await _exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                long elapsedMs = (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
                HostingLog.LoopStopped(_logger, _loop.Name, elapsedMs);
                return;
            }
            catch (OperationCanceledException)
            {
                // the loop thread is stuck after all: in a posted callback or a finally block run by Dispose
            }
        }

        _stopWaited = TimeProvider.System.GetElapsedTime(started);
        string runningStep = DescribeRunningStep();
        HostingLog.StopTimedOut(_logger, _loop.Name, (long)_stopWaited.TotalMilliseconds, runningStep);
    }

    /// <summary>
    /// Waits until no coroutine is alive (true), or <paramref name="cancellationToken"/> fires (false); with
    /// <paramref name="cancel"/>, cancels every live coroutine first and again at every check.
    /// </summary>
    private async Task<bool> WaitUntilNoneAliveAsync(bool cancel, CancellationToken cancellationToken)
    {
        var none = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        void Confirm()
        {
            if (_loop.LiveCount == 0)
            {
                none.TrySetResult();
            }
        }

        void Check()
        {
            if (cancel)
            {
                _loop.CancelAll();
            }

            // The canceled coroutines are disposed in this round's steps; a confirmation posted now runs at the
            // start of the next round, right after them.
            if (_loop.LiveCount == 0)
            {
                none.TrySetResult();
            }
            else
            {
                TryPost(Confirm);
            }
        }

        void TryPost(Action callback)
        {
            try
            {
                _loop.Post(callback);
            }
            catch (ObjectDisposedException)
            {
                none.TrySetResult(); // the loop thread already disposed the loop: nothing is alive
            }
        }

        using ITimer recheck = TimeProvider.System.CreateTimer(_ => TryPost(Check), null, TimeSpan.Zero, s_recheckPeriod);
        try
        {
            await Task.WhenAny(none.Task, _exited.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ThenSurfaceFaultsAsync(Task stop)
    {
        await stop.ConfigureAwait(false);
        Exception[] faults;
        lock (_gate)
        {
            faults = [.. _faults];
        }

        if (faults.Length == 1)
        {
            ExceptionDispatchInfo.Throw(faults[0]);
        }

        if (faults.Length > 1)
        {
            throw new AggregateException($"{faults.Length} coroutines of event loop {_loop.Name} faulted, and its fault behavior is StopHost.", faults);
        }
    }

    private void OnUnobservedFault(object? sender, UnobservedFaultEventArgs e)
    {
        if (_options.FaultBehavior != RoutineFaultBehavior.StopHost)
        {
            return; // the loop has logged it at Error, with the coroutine's name
        }

        string coroutine = e.Coroutine?.ToString() ?? "a posted callback or task group";
        HostingLog.FaultStopsHost(_logger, _loop.Name, coroutine, e.Exception);
        StopHost(e.Exception);
    }

    /// <summary>Records a fault for StopAsync to throw, and stops the application (once, off the loop thread).</summary>
    private void StopHost(Exception exception)
    {
        bool first;
        lock (_gate)
        {
            first = _faults.Count == 0;
            _faults.Add(exception);
        }

        if (first && _lifetime is { } lifetime)
        {
            // StopApplication runs the ApplicationStopping callbacks inline; they are not the loop's to run.
            ThreadPool.UnsafeQueueUserWorkItem(static l => l.StopApplication(), lifetime, preferLocal: false);
        }
    }

    private string DescribeRunningStep() =>
        _loop.DescribeRunningStep() is { } step
            ? $"still in a step: {step}"
            : "no step is running, yet coroutines are still alive (spawned while the loop stops?)";
}
