using System.Collections;

namespace Scheduler;

/// <summary>Receives the return value of a delegated routine when its frame ends (see <see cref="RoutineCall{T}"/>).</summary>
internal interface IResultSink
{
    /// <summary>
    /// Takes the value <paramref name="routine"/> ended with (null when it ended without
    /// <see cref="Routine.Return{T}(T)"/>). Throws, faulting the coroutine, when the value does not fit.
    /// </summary>
    void Receive(IEnumerator routine, ReturnValue? returned);
}
