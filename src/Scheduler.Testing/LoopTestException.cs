namespace Scheduler.Testing;

/// <summary>
/// The failure the test kit throws: a step budget ran out, the loop went idle before a condition held, a trace
/// differs from the expected one, a coroutine faulted and nobody observed it, or a scenario failed under a
/// shuffle seed. The message says what happened and carries what is needed to fix it (a task dump, a diff, the
/// seed to replay).
/// </summary>
/// <remarks>
/// The kit depends on no test framework, so it throws this instead of a framework's assertion exception.
/// NUnit, xUnit and MSTest all fail a test that throws it and show its message. (NUnit lists it as an error
/// rather than an assertion failure; the test fails either way.)
/// </remarks>
public sealed class LoopTestException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LoopTestException()
        : base("A loop test failed.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What failed.</param>
    public LoopTestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure that caused it.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The failure that caused it.</param>
    public LoopTestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal LoopTestException(string message, Exception? innerException, int? seed)
        : base(message, innerException)
    {
        Seed = seed;
    }

    /// <summary>
    /// Gets the shuffle seed under which the scenario failed, when <see cref="LoopTest.ForEachSeed(int, Action{LoopTest}, LoopTestOptions?)"/>
    /// threw this; null otherwise. <see cref="LoopTest.Replay"/> with this seed runs the same orders again.
    /// </summary>
    public int? Seed { get; }
}
