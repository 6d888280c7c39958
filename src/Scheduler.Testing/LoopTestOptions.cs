namespace Scheduler.Testing;

/// <summary>Settings for a <see cref="LoopTest"/>, read once when it is created.</summary>
public sealed class LoopTestOptions
{
    /// <summary>
    /// Gets or sets the shuffle seed: the loop permutes, deterministically, the coroutines that are ready at the
    /// start of each round's steps (<see cref="EventLoopOptions.ShuffleSeed"/>).
    /// </summary>
    /// <value>
    /// The default is null: FIFO order, as the loop promises. <see cref="LoopTest.ForEachSeed(int, Action{LoopTest}, LoopTestOptions?)"/>
    /// sets it for each run; set it by hand to replay a seed it printed.
    /// </value>
    public int? ShuffleSeed { get; set; }

    /// <summary>Gets or sets whether the virtual clock starts with <see cref="VirtualClock.AutoAdvance"/> on.</summary>
    /// <value>
    /// The default is false: time moves only when the test advances it. When true, <see cref="LoopTest.RunUntilIdle"/>
    /// and <see cref="LoopTest.RunUntil"/> jump the clock to the next timer whenever the loop is idle.
    /// </value>
    public bool AutoAdvance { get; set; }

    /// <summary>Gets or sets the time the virtual clock starts at.</summary>
    /// <value>The default is <see cref="VirtualClock.DefaultStart"/> (2000-01-01 00:00 UTC).</value>
    public DateTimeOffset Start { get; set; } = VirtualClock.DefaultStart;

    /// <summary>
    /// Gets or sets whether a coroutine that faults with nobody observing it fails the test: the driver call
    /// during which it faulted throws a <see cref="LoopTestException"/> naming it, with its exception as the
    /// inner exception (what Kotlin's <c>runTest</c> does with uncaught exceptions).
    /// </summary>
    /// <value>The default is true. Set it to false to test fault handling itself; the fault is still in the trace.</value>
    public bool FailOnUnobservedFault { get; set; } = true;

    /// <summary>Gets or sets whether the trace records the outcome of every step (yield, wait, end), besides <see cref="LoopTest.Log"/> entries.</summary>
    /// <value>The default is true. Set it to false for long runs that only compare their own log entries.</value>
    public bool TraceSteps { get; set; } = true;

    /// <summary>
    /// Gets or sets a callback that adjusts the loop's options before the loop is created: a logger, a name,
    /// logging scopes. The kit owns <see cref="EventLoopOptions.Clock"/> and <see cref="EventLoopOptions.ShuffleSeed"/>.
    /// </summary>
    /// <value>The default is null.</value>
    public Action<EventLoopOptions>? ConfigureLoop { get; set; }

    internal LoopTestOptions WithSeed(int seed) => new()
    {
        ShuffleSeed = seed,
        AutoAdvance = AutoAdvance,
        Start = Start,
        FailOnUnobservedFault = FailOnUnobservedFault,
        TraceSteps = TraceSteps,
        ConfigureLoop = ConfigureLoop,
    };
}
