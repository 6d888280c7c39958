using System.Collections;

namespace Scheduler;

/// <summary>
/// The step observer behind a <see cref="TimelineRecorder"/>: turns the loop's before/after-step calls into step
/// events, and the gap between a step that parked and the coroutine's next step into a wait event named by
/// what it waited on. Loop thread only; its state is guarded by the recorder's lock, because the trace may be
/// written from another thread.
/// </summary>
internal sealed class TimelineObserver(TimelineRecorder recorder, EventLoop loop) : StepObserver
{
    // One entry per live coroutine seen while recording (its track name, its open wait); removed when it ends.
    private readonly Dictionary<Coroutine, Track> _tracks = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Type, string> _routineNames = [];

    // The step in progress: steps never nest on a loop thread.
    private Track? _step;
    private string _stepRoutine = "";
    private long _stepStart;
    private long _stepRound;

    public override void BeforeStep(Coroutine coroutine)
    {
        if (!recorder.IsRecording)
        {
            return;
        }

        long now = recorder.Now;
        lock (recorder.Gate)
        {
            if (!recorder.IsRecording)
            {
                return; // stopped from another thread since the check above
            }

            Track track = TrackOf(coroutine);
            if (track.Wait is { } wait)
            {
                recorder.Add(new TimelineEvent(TimelineEventKind.Wait, coroutine.Id, track.Name, wait, track.WaitStart, now, track.WaitRound, 0, null));
                track.Wait = null;
            }

            _step = track;
            _stepRoutine = coroutine._frame is { } frame ? RoutineName(frame) : "(ended)";
            _stepStart = now;
            _stepRound = loop.TickCount;
        }
    }

    public override void AfterStep(Coroutine coroutine)
    {
        Track? track = _step;
        _step = null;
        if (track is null || !recorder.IsRecording)
        {
            return;
        }

        long now = recorder.Now;
        string outcome = coroutine.State switch
        {
            CoroutineState.Ready => "ready",
            CoroutineState.Waiting => loop.DescribeWait(coroutine),
            CoroutineState.Faulted => $"faulted ({coroutine.Exception?.GetType().Name})",
            _ => coroutine.State.ToString().ToLowerInvariant(),
        };
        lock (recorder.Gate)
        {
            if (!recorder.IsRecording)
            {
                return;
            }

            recorder.Add(new TimelineEvent(
                TimelineEventKind.Step, coroutine.Id, track.Name, _stepRoutine, _stepStart, now, _stepRound, coroutine.Steps, outcome));
            if (coroutine.State == CoroutineState.Waiting)
            {
                track.Wait = outcome;
                track.WaitStart = now;
                track.WaitRound = _stepRound;
            }
            else if (coroutine.IsEnded)
            {
                _tracks.Remove(coroutine);
            }
        }
    }

    /// <summary>The waits still open, as events that end at <paramref name="end"/>. Called under the recorder's lock.</summary>
    public IEnumerable<TimelineEvent> OpenWaits(long end)
    {
        foreach ((Coroutine coroutine, Track track) in _tracks)
        {
            if (track.Wait is { } wait)
            {
                yield return new TimelineEvent(TimelineEventKind.Wait, coroutine.Id, track.Name, wait, track.WaitStart, end, track.WaitRound, 0, null);
            }
        }
    }

    private Track TrackOf(Coroutine coroutine)
    {
        if (!_tracks.TryGetValue(coroutine, out Track? track))
        {
            string name = coroutine.Name is { } given
                ? $"{given} #{coroutine.Id}"
                : coroutine.RootFrame is { } root ? $"#{coroutine.Id} {RoutineName(root)}" : $"#{coroutine.Id}";
            _tracks[coroutine] = track = new Track(name);
        }

        return track;
    }

    private string RoutineName(IEnumerator routine)
    {
        Type type = routine.GetType();
        if (!_routineNames.TryGetValue(type, out string? name))
        {
            _routineNames[type] = name = EventLoop.DescribeRoutine(routine);
        }

        return name;
    }

    /// <summary>A coroutine's track: its name, and the wait it is in, if any.</summary>
    private sealed class Track(string name)
    {
        public string Name { get; } = name;

        public string? Wait { get; set; }

        public long WaitStart { get; set; }

        public long WaitRound { get; set; }
    }
}
