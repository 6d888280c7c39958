using System.Collections;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Scheduler;

// Stepping: one turn of one coroutine, and how a coroutine ends. This is the hot path: a plain
// `yield return null` costs one MoveNext, two type checks and an enqueue.
public sealed partial class EventLoop
{
    /// <summary>
    /// Phase (c): steps the first <paramref name="steps"/> coroutines of the ready queue. Then, while the next
    /// round would be phase (c) alone (nothing posted, no timer due, no round wait or predicate parked) and
    /// fewer than <paramref name="quietRoundBudget"/> steps have run, it runs that round too, counting it, so a
    /// round of one busy coroutine costs little more than its step. One exception handler covers it all, so a
    /// step has no handler frame of its own and inlines here; after a fault the batch goes on. Returns the steps run.
    /// </summary>
    private long RunSteps(int steps, long quietRoundBudget) => _observers.Length == 0
        ? RunSteps<Unobserved>(steps, quietRoundBudget)
        : RunSteps<Observed>(steps, quietRoundBudget);

    // The JIT compiles RunSteps once per hook type: for Unobserved the calls are empty and vanish, so the fast
    // path carries no test for observers at all; Observed calls every registered StepObserver.
    private long RunSteps<THooks>(int steps, long quietRoundBudget)
        where THooks : struct, IStepHooks
    {
        long total = 0;
        int done = 0;
        while (true)
        {
            Coroutine? coroutine = null;
            try
            {
                while (true)
                {
                    while (done < steps)
                    {
                        coroutine = _ready.DequeueRunning();
                        done++;
                        default(THooks).Before(this, coroutine);
                        Step(coroutine);
                        default(THooks).After(this, coroutine);
                        _ready.EndRunning();
                    }

                    total += steps;
                    if (total >= quietRoundBudget || !IsNextRoundQuiet || !default(THooks).Fits(this))
                    {
                        return total; // (an observer added or removed during the round takes effect in the next)
                    }

                    _tickCount++; // the next round begins: its phases (a) and (b) have nothing to do
                    steps = BeginSteps();
                    done = 0;
                }
            }
            catch (Exception ex)
            {
                Unwind(coroutine!, ex);
                default(THooks).After(this, coroutine!);
                _ready.EndRunning();
            }
        }
    }

    /// <summary>Phase (c) begins: the number of coroutines it steps, permuted first in shuffle mode.</summary>
    private int BeginSteps()
    {
        int steps = _ready.Count;
        if (_shuffle is not null && steps > 1)
        {
            _ready.Shuffle(steps, _shuffle);
        }

        return steps;
    }

    private interface IStepHooks
    {
        /// <summary>Whether this path still fits the loop's observers (checked once per round).</summary>
        bool Fits(EventLoop loop);

        void Before(EventLoop loop, Coroutine coroutine);

        void After(EventLoop loop, Coroutine coroutine);
    }

    private readonly struct Unobserved : IStepHooks
    {
        public bool Fits(EventLoop loop) => loop._observers.Length == 0;

        public void Before(EventLoop loop, Coroutine coroutine)
        {
        }

        public void After(EventLoop loop, Coroutine coroutine)
        {
        }
    }

    private readonly struct Observed : IStepHooks
    {
        public bool Fits(EventLoop loop) => loop._observers.Length != 0;

        public void Before(EventLoop loop, Coroutine coroutine)
        {
            foreach (StepObserver observer in loop._observers)
            {
                observer.BeforeStep(coroutine);
            }
        }

        // In reverse, so observers nest: the first registered is outermost (a logging scope around a trace).
        public void After(EventLoop loop, Coroutine coroutine)
        {
            StepObserver[] observers = loop._observers;
            for (int i = observers.Length - 1; i >= 0; i--)
            {
                observers[i].AfterStep(coroutine);
            }
        }
    }

    /// <summary>Whether the next round would run steps and nothing else.</summary>
    private bool IsNextRoundQuiet =>
        _ready.Count > 0 && !_inboxHasItems && !_timersDue && (_roundTimers.Count | _predicates.Count) == 0;

    /// <summary>One turn: MoveNext on the running frame until it yields a wait or the coroutine ends.</summary>
    /// <remarks>The common case (a frame yields null) is a MoveNext, a Current, a null test and an enqueue.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(Coroutine coroutine)
    {
        Debug.Assert(!coroutine.IsEnded, "An ended coroutine is never queued.");
        coroutine._state = CoroutineState.Running;
        coroutine._steps++;
        _stepCount++;
        if (coroutine._flags != 0 && StartSpecialTurn(coroutine))
        {
            return;
        }

        IEnumerator frame = coroutine._frame!;
        while (true)
        {
            bool moved = frame.MoveNext();
            if (coroutine._flags != 0 && (coroutine._flags & CoroutineFlags.PendingEnd) != 0)
            {
                EndTurn(coroutine); // it canceled itself: dispose now that MoveNext has returned
                return;
            }

            object? yielded = moved ? frame.Current : null;
            if (yielded is null && moved)
            {
                MakeReady(coroutine);
                return;
            }

            if (!ContinueAfter(coroutine, moved, yielded))
            {
                return;
            }

            frame = coroutine._frame!;
        }
    }

    /// <summary>
    /// A turn of a coroutine with flags set: a disposal (returns true: the turn is over), or a normal turn that
    /// first accepts what the wait that woke it handed over.
    /// </summary>
    private bool StartSpecialTurn(Coroutine coroutine)
    {
        if ((coroutine._flags & CoroutineFlags.PendingEnd) != 0)
        {
            EndTurn(coroutine); // End declines a grant the coroutine still holds
            return true;
        }

        if ((coroutine._flags & CoroutineFlags.HoldsGrant) != 0)
        {
            coroutine.TakeGrant().Accept(coroutine);
        }

        return false;
    }

    /// <summary>
    /// The rarer outcomes of a MoveNext: the frame ended, or yielded something other than null. Returns true when
    /// the coroutine goes on in the same step (delegation, a return to the parent frame).
    /// </summary>
    private bool ContinueAfter(Coroutine coroutine, bool moved, object? yielded)
    {
        if (!moved)
        {
            return FinishFrame(coroutine, returned: null);
        }

        if (yielded is WaitCondition wait)
        {
            return !wait.Apply(this, coroutine);
        }

        if (yielded is IEnumerator child)
        {
            PushFrame(coroutine, child, sinkOfChild: null);
            return true;
        }

        if (yielded is Task task)
        {
            return !TaskWait.Apply(this, coroutine, task); // a .NET task: wait for it (Bridges/TaskWait.cs)
        }

        throw UnsupportedYield(coroutine, yielded!);
    }

    private static InvalidOperationException UnsupportedYield(Coroutine coroutine, object yielded) => new(
        $"{coroutine} yielded a {yielded.GetType().FullName}, which the loop does not understand. " +
        "Yield null, a wait (Wait.For, Wait.Until, ...), a Coroutine to join, or an IEnumerator to delegate to.");

    /// <summary>Runs <paramref name="child"/> on top of the coroutine's stack, in the same step (delegation).</summary>
    internal void PushFrame(Coroutine coroutine, IEnumerator child, IResultSink? sinkOfChild)
    {
        bool added = _delegated.Add(child);
        if (!added || _live.ContainsKey(child))
        {
            string owner = _live.TryGetValue(child, out Coroutine? root) ? root.ToString() : "a coroutine of this loop";
            if (added)
            {
                _delegated.Remove(child); // undo only our own registration, never the frame's real owner's
            }

            throw new InvalidOperationException(
                $"{coroutine} cannot delegate to {DescribeRoutine(child)}: that iterator is already running in {owner}. " +
                "An iterator can run in one place only; call the iterator method again for a fresh one.");
        }

        (coroutine.LoopExtras.Stack ??= new FrameStack()).Push(coroutine._frame!, sinkOfChild);
        coroutine._frame = child;
    }

    /// <summary>The running frame yielded <c>Routine.Return</c>: end it with that value. Returns true when the step ends.</summary>
    internal bool ReturnFromFrame(Coroutine coroutine, ReturnValue returned) => !FinishFrame(coroutine, returned);

    /// <summary>
    /// The running frame has ended (or returned a value): dispose it and resume its parent in the same step, or
    /// complete the coroutine when it was the root. Returns true when the coroutine goes on.
    /// </summary>
    private bool FinishFrame(Coroutine coroutine, ReturnValue? returned)
    {
        IEnumerator finished = DetachTop(coroutine, out IResultSink? sink);
        DisposeFrame(finished); // an exception here unwinds the remaining (parent) frames
        if (coroutine._frame is null)
        {
            Complete(coroutine, returned, root: finished);
            return false;
        }

        sink?.Receive(finished, returned);
        return true;
    }

    /// <summary>Takes the running frame off the coroutine (its parent becomes the running frame) and unregisters it.</summary>
    private IEnumerator DetachTop(Coroutine coroutine, out IResultSink? sinkOfTop)
    {
        IEnumerator top = coroutine._frame!;
        if (coroutine._extras?.Stack is { Count: > 0 } stack)
        {
            coroutine._frame = stack.Pop(out sinkOfTop);
            _delegated.Remove(top);
        }
        else
        {
            coroutine._frame = null;
            sinkOfTop = null;
            if (_live.Remove(top, out Coroutine? owner) && !ReferenceEquals(owner, coroutine))
            {
                _live.Add(top, owner); // not ours (defensive: a root is registered to its own coroutine only)
            }
        }

        return top;
    }

    // Compiler iterators run their pending finally blocks here; a finished one does nothing. Hand-written
    // enumerators are disposed like foreach would dispose them.
    private static void DisposeFrame(IEnumerator frame) => (frame as IDisposable)?.Dispose();

    private void Complete(Coroutine coroutine, ReturnValue? returned, IEnumerator root)
    {
        if (coroutine.CheckResult(returned, root) is { } error)
        {
            End(coroutine, CoroutineState.Faulted, error, root);
            return;
        }

        if (returned is not null)
        {
            coroutine.LoopExtras.Returned = returned;
        }

        // A coroutine that canceled itself in the step that returned still ends canceled.
        bool canceled = (coroutine._flags & CoroutineFlags.PendingCancel) != 0;
        End(coroutine, canceled ? CoroutineState.Canceled : CoroutineState.Completed, null, root);
    }

    /// <summary>An exception escaped a step: dispose the rest of the stack, innermost first, and fault.</summary>
    private void Unwind(Coroutine coroutine, Exception fault)
    {
        IEnumerator? root = coroutine.RootFrame;
        while (coroutine._frame is not null)
        {
            IEnumerator frame = DetachTop(coroutine, out _);
            try
            {
                DisposeFrame(frame);
            }
            catch (Exception secondary)
            {
                ReportDisposalFault(coroutine, root, secondary);
            }
        }

        End(coroutine, CoroutineState.Faulted, fault, root);
    }

    /// <summary>
    /// A turn whose coroutine must end (canceled, or joined to a faulted coroutine): dispose its stack innermost
    /// first, each frame once. A <c>finally</c> that throws faults the coroutine with that exception (later ones
    /// are reported) and the outer frames are still disposed.
    /// </summary>
    private void EndTurn(Coroutine coroutine)
    {
        Exception? fault = (coroutine._flags & CoroutineFlags.PendingFault) != 0 ? coroutine._extras!.Exception : null;
        IEnumerator? root = coroutine.RootFrame;
        while (coroutine._frame is not null)
        {
            IEnumerator frame = DetachTop(coroutine, out _);
            try
            {
                DisposeFrame(frame);
            }
            catch (Exception ex) when (fault is null)
            {
                fault = ex;
            }
            catch (Exception secondary)
            {
                ReportDisposalFault(coroutine, root, secondary);
            }
        }

        End(coroutine, fault is null ? CoroutineState.Canceled : CoroutineState.Faulted, fault, root);
    }

    // Retires the coroutine and wakes its joiners in join order; reports a fault nobody observes.
    // `root` is the root routine, already detached, to name the coroutine in that report.
    private void End(Coroutine coroutine, CoroutineState state, Exception? exception, IEnumerator? root)
    {
        Debug.Assert(coroutine._frame is null, "Frames are detached and disposed before a coroutine ends.");

        // An ended coroutine is parked nowhere. This matters when a wait failed half-way through registering
        // (a composite whose third child refused the coroutine): the registrations made so far go too.
        Unpark(coroutine);
        if ((coroutine._flags & CoroutineFlags.HoldsGrant) != 0)
        {
            // Woken with a permit or an item it never got to take: pass it on, so no wake-up is lost.
            coroutine.TakeGrant().Decline(this, coroutine);
        }

        if (state == CoroutineState.Faulted)
        {
            _faultCount++;
        }

        bool observedByDriver = (coroutine._flags & CoroutineFlags.ObservedByDriver) != 0;
        coroutine._flags = CoroutineFlags.None;
        coroutine._state = state;
        if (exception is not null)
        {
            coroutine.LoopExtras.Exception = exception;
        }

        // Watchers first (a group cancels its children before the owner's joiners resume); they observe nothing.
        WaiterList? watchers = coroutine._extras?.Watchers;
        while (watchers?.TakeFirst() is { } watcher)
        {
            watcher.Wake(this, coroutine, null);
        }

        WaiterList? joiners = coroutine._extras?.Joiners;
        bool observed = observedByDriver || joiners is { Count: > 0 };
        while (joiners?.TakeFirst() is { } joiner)
        {
            joiner.Wake(this, coroutine, null);
        }

        if (state == CoroutineState.Faulted && !observed)
        {
            Log.UnobservedFault(_logger, coroutine.Describe(root), exception!);
            RaiseUnobservedFault(coroutine, exception!);
        }

        RecycleExtras(coroutine);
    }

    internal CoroutineExtras RentExtras() => _extrasPool.TryPop(out CoroutineExtras? extras) ? extras : new CoroutineExtras();

    private void ReturnWaiterList(WaiterList? list)
    {
        if (CoroutineExtras.IsWorthKeeping(list) && _waiterListPool.Count < ExtrasPoolLimit)
        {
            _waiterListPool.Push(list!);
        }
    }

    internal WaiterList RentWaiterList() => _waiterListPool.TryPop(out WaiterList? list) ? list : new WaiterList();

    /// <summary>
    /// Parks <paramref name="watcher"/> to be woken (with <paramref name="target"/> as the joined coroutine) when
    /// <paramref name="target"/> ends, before its joiners, without counting as observing its fault. Unpark removes it.
    /// For library parts that follow a coroutine's life: a lock's owner, a task group's owner.
    /// </summary>
    internal void WatchEnd(Coroutine target, IWaiter watcher)
    {
        Debug.Assert(!target.IsEnded, "Only a live coroutine can be watched.");
        (target.LoopExtras.Watchers ??= RentWaiterList()).Add(watcher);
    }

    /// <summary>Reports a fault nobody observed that does not end a coroutine of its own (a task group's fault), like End does.</summary>
    internal void ReportUnobservedFault(Coroutine? coroutine, string description, Exception exception)
    {
        Log.UnobservedFault(_logger, description, exception);
        RaiseUnobservedFault(coroutine, exception);
    }

    /// <summary>
    /// Takes back the extras of an ended coroutine when nothing in them can still be read. Joiner lists are
    /// pooled on their own: a joined coroutine needs one and a joiner does not, so pooling them inside the
    /// extras would hand lists to coroutines that never use them.
    /// </summary>
    private void RecycleExtras(Coroutine coroutine)
    {
        if (coroutine._extras is not { IsRecyclable: true } extras)
        {
            return;
        }

        coroutine._extras = null;
        ReturnWaiterList(extras.Joiners);
        ReturnWaiterList(extras.Watchers);
        extras.Joiners = extras.Watchers = null;

        if (_extrasPool.Count < ExtrasPoolLimit)
        {
            extras.Reset();
            _extrasPool.Push(extras);
        }
    }

    internal void MakeReady(Coroutine coroutine)
    {
        coroutine._state = CoroutineState.Ready;
        _ready.Enqueue(coroutine);
    }

    internal static void SetPendingFault(Coroutine coroutine, Exception exception)
    {
        coroutine.LoopExtras.Exception = exception;
        coroutine._flags |= CoroutineFlags.PendingFault;
    }

    private void ReportDisposalFault(Coroutine coroutine, IEnumerator? root, Exception exception)
    {
        Log.DisposalFault(_logger, coroutine.Describe(root), exception);
        RaiseUnobservedFault(coroutine, exception);
    }

    private void ReportCallbackFault(Exception exception)
    {
        Log.PostedCallbackFault(_logger, exception);
        RaiseUnobservedFault(null, exception);
    }

    private void RaiseUnobservedFault(Coroutine? coroutine, Exception exception)
    {
        EventHandler<UnobservedFaultEventArgs>? handler = UnobservedFault;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, new UnobservedFaultEventArgs(coroutine, exception));
        }
        catch (Exception handlerFault)
        {
            Log.FaultHandlerFault(_logger, handlerFault);
        }
    }
}
