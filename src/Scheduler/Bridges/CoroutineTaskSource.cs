namespace Scheduler;

/// <summary>
/// The task behind <c>coroutine.AsTask()</c> and <c>await coroutine</c>: a joiner of the coroutine that completes
/// a task when it ends. Continuations run asynchronously (never inline inside the loop's step that ended the
/// coroutine): on the thread pool, or posted to the context they captured, such as the loop's own.
/// </summary>
/// <remarks>
/// Registration follows the threading contract: on the loop's thread the source joins at once; from another
/// thread the join is posted to the inbox. A coroutine that has already ended, as seen from the calling thread,
/// completes the task at once, and so does one found ended just after posting: this closes the gap where the
/// loop stops driving (Run returns when no coroutine is alive) before the posted join runs.
/// </remarks>
/// <typeparam name="T">The value type: the coroutine's for a typed coroutine, otherwise unused (null).</typeparam>
internal sealed class CoroutineTaskSource<T> : TaskCompletionSource<T>, IWaiter
{
    private readonly Coroutine _coroutine;
    private readonly bool _typed;

    private CoroutineTaskSource(Coroutine coroutine, bool typed)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _coroutine = coroutine;
        _typed = typed;
    }

    public ParkKind ParkKind { get; set; }

    public int Slot { get; set; }

    public object? ParkedOn { get; set; }

    /// <summary>Creates the task for <paramref name="coroutine"/>; <paramref name="typed"/> when it is a <c>Coroutine&lt;T&gt;</c>.</summary>
    public static Task<T> Create(Coroutine coroutine, bool typed)
    {
        var source = new CoroutineTaskSource<T>(coroutine, typed);
        EventLoop loop = coroutine._loop;
        if (loop.IsLoopThread)
        {
            source.Register();
            return source.Task;
        }

        if (source.TryCompleteFromOutcome())
        {
            return source.Task;
        }

        try
        {
            loop.Post(source.Register);
        }
        catch (ObjectDisposedException) when (source.TryCompleteFromOutcome())
        {
            return source.Task;
        }
        catch (ObjectDisposedException ex)
        {
            throw new ObjectDisposedException(
                $"Cannot wait for {coroutine} from thread {Environment.CurrentManagedThreadId}: its event loop is being disposed " +
                "and the coroutine has not ended yet. Wait for it before disposing the loop, or from the thread that disposes it.", ex);
        }

        source.TryCompleteFromOutcome();
        return source.Task;
    }

    /// <summary>On the loop thread: completes now if the coroutine has ended, else joins it.</summary>
    private void Register()
    {
        if (_coroutine.IsEnded)
        {
            Complete();
        }
        else
        {
            _coroutine.AttachCompletionWaiter(this);
        }
    }

    void IWaiter.Wake(EventLoop loop, Coroutine? joined, Exception? error)
    {
        ParkKind = ParkKind.None;
        ParkedOn = null;
        Complete();
    }

    void IWaiter.WakeWithGrant(EventLoop loop, IPendingGrant grant) =>
        throw new InvalidOperationException("A task awaiting a coroutine is woken by the coroutine's end only; it never receives a grant.");

    /// <summary>On the loop thread, once the coroutine has ended.</summary>
    private void Complete()
    {
        _coroutine.TryReadOutcome(_typed, out CoroutineState state, out Exception? exception, out ReturnValue? value);
        SetOutcome(state, exception, value);
    }

    private bool TryCompleteFromOutcome()
    {
        if (!_coroutine.TryReadOutcome(_typed, out CoroutineState state, out Exception? exception, out ReturnValue? value))
        {
            return false;
        }

        SetOutcome(state, exception, value);
        return true;
    }

    private void SetOutcome(CoroutineState state, Exception? exception, ReturnValue? value)
    {
        switch (state)
        {
            case CoroutineState.Completed:
                ReturnValue.TryRead(value, out T result); // a typed coroutine completes only with a T (CheckResult)
                TrySetResult(_typed ? result : default!);
                break;
            case CoroutineState.Faulted:
                TrySetException(exception!);
                break;
            default:
                TrySetCanceled();
                break;
        }
    }
}
