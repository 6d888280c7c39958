using System.Collections;
using System.Runtime.CompilerServices;

namespace Scheduler.Benchmarks;

/// <summary>The task bodies every benchmark runs, and the floor they are compared with.</summary>
/// <remarks>
/// The loop and the floor run the very same iterator objects (same type, same size), so the difference between
/// them is the scheduler's bookkeeping and nothing else.
/// </remarks>
public static class Workloads
{
    /// <summary>A plain task: yields <paramref name="yields"/> times, then returns (so it takes yields + 1 steps).</summary>
    public static IEnumerator Yielder(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    /// <summary>
    /// A plain task of one of eight iterator types, chosen by <paramref name="index"/> (index mod 8): the same body
    /// compiled eight times, so a loop over them makes the MoveNext call site megamorphic, as in a real program
    /// with many kinds of tasks.
    /// </summary>
    public static IEnumerator MixedYielder(int index, int yields) => (index & 7) switch
    {
        0 => Yielder(yields),
        1 => Yielder1(yields),
        2 => Yielder2(yields),
        3 => Yielder3(yields),
        4 => Yielder4(yields),
        5 => Yielder5(yields),
        6 => Yielder6(yields),
        _ => Yielder7(yields),
    };

    /// <summary>A timer task: sleeps <paramref name="period"/> <paramref name="sleeps"/> times, writing the wait fresh each time.</summary>
    public static IEnumerator Sleeper(TimeSpan period, int sleeps)
    {
        for (int i = 0; i < sleeps; i++)
        {
            yield return Wait.For(period);
        }
    }

    /// <summary>The minimal parked task: one sleep (40 bytes of iterator: state, current, and the duration).</summary>
    public static IEnumerator SleepOnce(TimeSpan duration)
    {
        yield return Wait.For(duration);
    }

    /// <summary>The minimal joiner: joins <paramref name="target"/> once (40 bytes of iterator).</summary>
    public static IEnumerator JoinOnce(Coroutine target)
    {
        yield return target;
    }

    /// <summary>A task that never ends by itself: the long-running target of the idle-join measurement.</summary>
    public static IEnumerator Forever()
    {
        yield return Wait.Forever;
    }

    /// <summary>
    /// The floor: a bare FIFO of <see cref="IEnumerator"/>: dequeue, MoveNext, enqueue again if it yielded.
    /// No interpretation of the yielded value, no bookkeeping, no rounds. Returns the steps it ran.
    /// </summary>
    /// <remarks>
    /// NoInlining keeps its code a method of its own, like the loop's driver. It is not marked
    /// AggressiveOptimization on purpose: that would skip tiered PGO (and its guarded devirtualization of
    /// MoveNext) which the loop's own code gets, so both are warmed to tier 1 the same way instead.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long RunFloor(Queue<IEnumerator> queue)
    {
        long steps = 0;
        while (queue.TryDequeue(out IEnumerator? task))
        {
            steps++;
            if (task.MoveNext())
            {
                queue.Enqueue(task);
            }
        }

        return steps;
    }

    /// <summary>
    /// <see cref="RunFloor"/> that also reads what each step yielded and requeues only on null, as any scheduler
    /// must (a yielded wait would park the task); here every yield is null.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long RunFloorReadingCurrent(Queue<IEnumerator> queue)
    {
        long steps = 0;
        while (queue.TryDequeue(out IEnumerator? task))
        {
            steps++;
            if (task.MoveNext() && task.Current is null)
            {
                queue.Enqueue(task);
            }
        }

        return steps;
    }

    /// <summary>
    /// Promotes what was allocated during setup to gen 2 and clears finalizers, so a timed region starts from a
    /// quiet heap: no collection falls inside it and both contenders see the same heap state (old objects, the
    /// steady state of long-running tasks).
    /// </summary>
    public static void SettleHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static IEnumerator Yielder1(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Yielder2(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Yielder3(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Yielder4(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Yielder5(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Yielder6(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }

    private static IEnumerator Yielder7(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            yield return null;
        }
    }
}
