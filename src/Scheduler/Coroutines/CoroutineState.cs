namespace Scheduler;

/// <summary>Describes where a <see cref="Coroutine"/> is in its life.</summary>
/// <remarks>
/// A coroutine starts <see cref="Ready"/>, moves between <see cref="Ready"/>, <see cref="Running"/> and
/// <see cref="Waiting"/> while it lives, and ends in exactly one of <see cref="Completed"/>,
/// <see cref="Faulted"/> or <see cref="Canceled"/>, which it never leaves.
/// </remarks>
public enum CoroutineState : byte
{
    /// <summary>In the ready queue: it runs its next step in this round or a later one.</summary>
    Ready,

    /// <summary>Its step is running on the loop thread right now.</summary>
    Running,

    /// <summary>Parked on a wait (time, rounds, a predicate, another coroutine); it costs nothing per round.</summary>
    Waiting,

    /// <summary>Its routine ran to its end (or returned a value with <see cref="Routine.Return{T}(T)"/>).</summary>
    Completed,

    /// <summary>An exception escaped its routine; <see cref="Coroutine.Exception"/> holds it, unwrapped.</summary>
    Faulted,

    /// <summary>It was canceled, or it joined a coroutine that was canceled; its <c>finally</c> blocks ran.</summary>
    Canceled,
}
