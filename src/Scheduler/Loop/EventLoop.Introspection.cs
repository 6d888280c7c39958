using System.Collections;

namespace Scheduler;

// Introspection: the task snapshot and its text dump, statistics, wait descriptions, the timeline recorder,
// and what Dispose reports as left over. Nothing here runs on the hot path: the snapshot walks the registry of
// live coroutines when asked, and the timeline records through a step observer only while one is registered.
public sealed partial class EventLoop
{
    // Channels register here (weakly: an unreferenced channel is collected, and its entry pruned later) so that
    // the snapshot can list those that hold items and Dispose can report them. Channels are created on any
    // thread, hence the lock; it is taken only when a channel is created and when a snapshot or Dispose reads it.
    private readonly Lock _channelsGate = new();
    private readonly List<WeakReference<IChannelDiagnostics>> _channels = [];
    private int _channelsPruneAt = 64;

    /// <summary>Takes a snapshot of every live coroutine: what it waits on in words, its stack of routines, the task-group tree.</summary>
    /// <remarks>
    /// <para>Loop thread only: call it between rounds, from inside a step (the caller then shows as
    /// <c>running</c>), or from a callback posted with <see cref="Post"/>. From another thread, post the call:
    /// <c>loop.Post(() =&gt; logger.LogInformation("{Dump}", loop.Dump()))</c>. It costs time in proportion to
    /// the live coroutines and their stacks, so it is for diagnostics, not for every round.</para>
    /// <para>Times are on the loop's clock, counted from the loop's creation: a coroutine in <c>Wait.For</c>
    /// shows the loop time it wakes at (<c>sleeping until 00:00:05</c>) and <see cref="LoopSnapshot.Time"/> is the
    /// time now; on a <see cref="VirtualClock"/> the whole snapshot is deterministic.</para>
    /// </remarks>
    /// <returns>An immutable snapshot; its <see cref="LoopSnapshot.ToString"/> is the text dump.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public LoopSnapshot Snapshot()
    {
        CheckAccess();
        long now = _clock.GetTimestamp();
        List<Coroutine> live = LiveInSpawnOrder();
        var describer = new WaitDescriber(this);
        var routineNames = new Dictionary<Type, string>();
        var tasks = new TaskSnapshot[live.Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            Coroutine coroutine = live[i];
            tasks[i] = new TaskSnapshot(
                coroutine,
                _clock.GetElapsedTime(coroutine._spawnedAt, now),
                describer.Describe(coroutine),
                StackOf(coroutine, routineNames),
                coroutine._extras?.Group);
        }

        var channels = new List<ChannelSnapshot>();
        foreach (IChannelDiagnostics channel in LiveChannels())
        {
            if (channel.BufferedCount + channel.HandedCount > 0)
            {
                channels.Add(new ChannelSnapshot(channel));
            }
        }

        return new LoopSnapshot(Name, LoopTime, tasks, channels, CountStates(live));
    }

    /// <summary>Writes the text dump of a <see cref="Snapshot"/>: one line per live coroutine, task groups indented under their owner.</summary>
    /// <remarks>Loop thread only, like <see cref="Snapshot"/>. See <see cref="LoopSnapshot.ToString"/> for the format.</remarks>
    /// <returns>The dump, lines separated by <see cref="Environment.NewLine"/>.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public string Dump() => Snapshot().ToString();

    /// <summary>Counts where the live coroutines are (ready, running, waiting, sleeping) and how much the loop has done.</summary>
    /// <remarks>Loop thread only. Walks the live coroutines, without describing them: cheaper than a <see cref="Snapshot"/>.</remarks>
    /// <returns>The counts now.</returns>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    public LoopStatistics GetStatistics()
    {
        CheckAccess();
        return CountStates(_live.Values);
    }

    /// <summary>Starts recording a timeline of steps and waits, which <see cref="TimelineRecorder.WriteChromeTrace"/> writes for Perfetto or <c>chrome://tracing</c>.</summary>
    /// <remarks>
    /// <para>Every step is recorded (its routine, round and what it ended in), and so is every wait: from the
    /// end of the step that parked to the start of the coroutine's next step, named by what it waited on. The
    /// events go to a ring buffer of <paramref name="capacity"/> events; when it is full the oldest are dropped
    /// and counted (<see cref="TimelineRecorder.DroppedCount"/>), so memory stays bounded however long it runs.</para>
    /// <para>Timestamps come from <paramref name="timeProvider"/>: by default the real clock
    /// (<see cref="TimeProvider.System"/>), whatever the loop's own clock is, so steps show how long they really
    /// took. Pass the loop's <see cref="VirtualClock"/> for a timeline that is the same on every run (steps then
    /// take no time unless the clock moves inside them).</para>
    /// <para>Recording costs a clock read and a few writes per step while it runs; a loop with no recorder runs
    /// its steps on a path that has no recording code at all. Started from inside a step, it takes effect when
    /// the current batch of steps ends. Dispose the recorder to stop. Loop thread only.</para>
    /// </remarks>
    /// <param name="capacity">The most events kept; at least 1. The default keeps 65,536 events (about 5 MB when full).</param>
    /// <param name="timeProvider">Where timestamps come from; null for <see cref="TimeProvider.System"/>.</param>
    /// <returns>The recorder; dispose it to stop recording, then write the trace.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">Called from a thread that does not own the loop.</exception>
    /// <exception cref="ObjectDisposedException">The loop has been disposed.</exception>
    public TimelineRecorder StartTimeline(int capacity = TimelineRecorder.DefaultCapacity, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckAccess();
        return new TimelineRecorder(this, capacity, timeProvider ?? TimeProvider.System);
    }

    /// <summary>What <paramref name="coroutine"/> waits on, in words (see <see cref="TaskSnapshot.WaitingOn"/>). Loop thread only.</summary>
    internal string DescribeWait(Coroutine coroutine) => new WaitDescriber(this).Describe(coroutine);

    /// <summary>Items still buffered in channels once every coroutine is disposed: each channel is logged at Warning, with its count.</summary>
    partial void ReportLeftovers()
    {
        foreach (IChannelDiagnostics channel in LiveChannels())
        {
            int count = channel.BufferedCount + channel.HandedCount;
            if (count > 0)
            {
                Log.ChannelItemsLeftOver(_logger, Name, count, channel.Description);
            }
        }
    }

    /// <summary>Registers a channel, weakly, for snapshots and the leftovers report. Any thread.</summary>
    internal void RegisterChannel(IChannelDiagnostics channel)
    {
        lock (_channelsGate)
        {
            if (_channels.Count >= _channelsPruneAt)
            {
                _channels.RemoveAll(static entry => !entry.TryGetTarget(out _));
                _channelsPruneAt = Math.Max(64, _channels.Count * 2); // amortized: a prune per doubling
            }

            _channels.Add(new WeakReference<IChannelDiagnostics>(channel));
        }
    }

    /// <summary>The loop's time: how far its clock has moved since the loop was created.</summary>
    internal TimeSpan LoopTime => TimeSpan.FromTicks(NowTicks);

    /// <summary>The loop time a waiter parked in the timer heap wakes at.</summary>
    internal TimeSpan TimerDue(IWaiter waiter) => TimeSpan.FromTicks(_timers.DueAt(waiter.Slot));

    /// <summary>The round a waiter parked in the round heap wakes in.</summary>
    internal long RoundDue(IWaiter waiter) => _roundTimers.DueAt(waiter.Slot);

    /// <summary>The predicate wait a waiter parked in the predicate list waits on.</summary>
    internal PredicateWait PredicateOf(IWaiter waiter) => _predicates.WaitAt(waiter.Slot);

    /// <summary>The live coroutine whose joiners are <paramref name="list"/>, or null. A linear search: diagnostics only.</summary>
    internal Coroutine? FindJoinedBy(WaiterList list)
    {
        foreach (Coroutine coroutine in _live.Values)
        {
            if (ReferenceEquals(coroutine._extras?.Joiners, list))
            {
                return coroutine;
            }
        }

        return null;
    }

    private List<IChannelDiagnostics> LiveChannels()
    {
        var channels = new List<IChannelDiagnostics>();
        lock (_channelsGate)
        {
            foreach (WeakReference<IChannelDiagnostics> entry in _channels)
            {
                if (entry.TryGetTarget(out IChannelDiagnostics? channel))
                {
                    channels.Add(channel);
                }
            }
        }

        return channels;
    }

    private LoopStatistics CountStates(IEnumerable<Coroutine> live)
    {
        int total = 0, ready = 0, running = 0, waiting = 0, sleeping = 0;
        foreach (Coroutine coroutine in live)
        {
            total++;
            switch (coroutine.State)
            {
                case CoroutineState.Ready:
                    ready++;
                    break;
                case CoroutineState.Running:
                    running++;
                    break;
                default:
                    if (((IWaiter)coroutine).ParkKind is ParkKind.Timer or ParkKind.Round)
                    {
                        sleeping++;
                    }
                    else
                    {
                        waiting++;
                    }

                    break;
            }
        }

        return new LoopStatistics
        {
            Live = total,
            Ready = ready,
            Running = running,
            Waiting = waiting,
            Sleeping = sleeping,
            Steps = _stepCount,
            Rounds = _tickCount,
            Faults = _faultCount,
        };
    }

    /// <summary>The coroutine's frames as method names, outermost first; names are cached per routine type.</summary>
    private static string[] StackOf(Coroutine coroutine, Dictionary<Type, string> names)
    {
        FrameStack? parents = coroutine._extras?.Stack;
        int depth = parents?.Count ?? 0;
        IEnumerator? top = coroutine._frame;
        var stack = new string[depth + (top is null ? 0 : 1)];
        for (int i = 0; i < depth; i++)
        {
            stack[i] = NameOf(parents![i], names);
        }

        if (top is not null)
        {
            stack[depth] = NameOf(top, names);
        }

        return stack;
    }

    private static string NameOf(IEnumerator routine, Dictionary<Type, string> names)
    {
        Type type = routine.GetType();
        if (!names.TryGetValue(type, out string? name))
        {
            names[type] = name = DescribeRoutine(routine);
        }

        return name;
    }
}
