namespace Scheduler;

/// <summary>
/// The exception a coroutine faults with when it waits for a <see cref="CoroutineLock"/> whose owner ended
/// (completed, faulted or was canceled) without releasing it.
/// </summary>
/// <remarks>
/// The message names the lock and the owner; <see cref="Owner"/> is the owner and
/// <see cref="Exception.InnerException"/> its fault, when it faulted. The waiters told at once share one instance.
/// </remarks>
public sealed class LockAbandonedException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public LockAbandonedException()
        : base("The lock was abandoned: its owner ended without releasing it.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What happened.</param>
    public LockAbandonedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the owner's fault.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The fault the owner ended with, or null.</param>
    public LockAbandonedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal LockAbandonedException(string message, Coroutine? owner, Exception? innerException)
        : base(message, innerException)
    {
        Owner = owner;
    }

    /// <summary>Gets the coroutine that ended holding the lock, or null when not known.</summary>
    public Coroutine? Owner { get; }
}
