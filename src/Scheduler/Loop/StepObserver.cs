namespace Scheduler;

/// <summary>
/// Something that watches every step of a loop: the logging scope, the timeline recorder, the test kit's trace.
/// Registered with <see cref="EventLoop.AddObserver"/>. Loop thread only.
/// </summary>
/// <remarks>
/// A loop with no observer runs its steps on a path compiled without these calls (see
/// <c>EventLoop.RunSteps</c>), so observing costs nothing until something observes.
/// </remarks>
internal abstract class StepObserver
{
    /// <summary>Called before the step of <paramref name="coroutine"/> runs any of its code.</summary>
    public abstract void BeforeStep(Coroutine coroutine);

    /// <summary>
    /// Called after the step, however it ended: the coroutine is then ready again, parked (its
    /// <see cref="Coroutine.State"/> is Waiting), or ended, faults included.
    /// </summary>
    public abstract void AfterStep(Coroutine coroutine);
}
