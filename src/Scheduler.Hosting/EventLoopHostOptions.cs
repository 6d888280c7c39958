namespace Scheduler.Hosting;

/// <summary>
/// Settings of the hosted event loop, bound from the configuration section <c>EventLoop</c>
/// (<see cref="SectionName"/>: <c>appsettings.json</c>, environment variables such as
/// <c>EventLoop__ThreadName</c>, command-line arguments such as <c>--EventLoop:FaultBehavior=StopHost</c>) and
/// validated when the host starts.
/// </summary>
/// <remarks>
/// The configure delegate of <see cref="EventLoopServiceCollectionExtensions.AddEventLoop"/> runs after the
/// binding, so what it sets wins. An unknown key in the section, a value that does not convert, or a value out of
/// range stops the host's start with an <c>OptionsValidationException</c> or <see cref="InvalidOperationException"/>
/// that names the key. The options are read once, when the loop is created.
/// </remarks>
public sealed class EventLoopHostOptions
{
    /// <summary>The configuration section the options are bound from: <c>EventLoop</c>.</summary>
    public const string SectionName = "EventLoop";

    /// <summary>Gets or sets the name of the loop's thread, which is also the loop's <see cref="EventLoop.Name"/>.</summary>
    /// <value>The default is <c>event-loop</c>. It must not be empty or contain control characters.</value>
    public string ThreadName { get; set; } = "event-loop";

    /// <summary>Gets or sets what the host does when a coroutine faults and nobody observes it.</summary>
    /// <value>The default is <see cref="RoutineFaultBehavior.Log"/>: logged at Error, and the host keeps running.</value>
    public RoutineFaultBehavior FaultBehavior { get; set; } = RoutineFaultBehavior.Log;

    /// <summary>Gets or sets how the coroutines are ended when the host stops.</summary>
    /// <value>The default is <see cref="EventLoopShutdownBehavior.CancelAll"/>.</value>
    public EventLoopShutdownBehavior ShutdownBehavior { get; set; } = EventLoopShutdownBehavior.CancelAll;

    /// <summary>
    /// Gets or sets how long, with <see cref="EventLoopShutdownBehavior.DrainThenCancel"/>, the coroutines may run
    /// after the stopping token is canceled before the ones still alive are canceled.
    /// </summary>
    /// <value>
    /// The default is 5 seconds. It must be positive and finite. The host's shutdown timeout still bounds the
    /// whole stop: keep the drain well below it, so that canceled coroutines have time for their
    /// <c>finally</c> blocks.
    /// </value>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long one step may run before the loop's blocking watchdog reports it
    /// (<see cref="EventLoopOptions.SlowStepThreshold"/>).
    /// </summary>
    /// <value>The default is 100 milliseconds. It must be positive, or <see cref="Timeout.InfiniteTimeSpan"/> (<c>-00:00:00.001</c>) to turn the watchdog off.</value>
    public TimeSpan SlowStepThreshold { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets whether each step runs inside a logging scope carrying <c>CoroutineId</c> and
    /// <c>CoroutineName</c> (<see cref="EventLoopOptions.LogScopes"/>), so that what a coroutine logs says which
    /// coroutine wrote it.
    /// </summary>
    /// <value>The default is true.</value>
    public bool LogScopes { get; set; } = true;
}
