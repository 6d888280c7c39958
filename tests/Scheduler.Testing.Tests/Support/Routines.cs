namespace Scheduler.Testing.Tests.Support;

/// <summary>Small routines the kit's tests drive.</summary>
internal static class Routines
{
    /// <summary>Yields <paramref name="count"/> times: <paramref name="count"/> + 1 steps.</summary>
    public static IEnumerator Yields(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return null;
        }
    }

    /// <summary>Logs "step i" on each step, then yields, <paramref name="count"/> times.</summary>
    public static IEnumerator Chatty(LoopTest test, int count)
    {
        for (int i = 1; i <= count; i++)
        {
            test.Log($"step {i}");
            yield return null;
        }
    }

    /// <summary>Never ends: yields forever.</summary>
    public static IEnumerator Spin()
    {
        while (true)
        {
            yield return null;
        }
    }

    /// <summary>Sleeps <paramref name="delay"/> on the loop clock, then logs "woke".</summary>
    public static IEnumerator Sleeper(LoopTest test, TimeSpan delay)
    {
        yield return Wait.For(delay);
        test.Log("woke");
    }

    /// <summary>Yields once, then throws an <see cref="InvalidOperationException"/> with <paramref name="message"/>.</summary>
    public static IEnumerator FailsAfterOneYield(string message)
    {
        yield return null;
        throw new InvalidOperationException(message);
    }

    /// <summary>Waits forever: only a cancel ends it.</summary>
    public static IEnumerator Parked()
    {
        yield return Wait.Forever;
    }
}
