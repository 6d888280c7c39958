using System.Collections;
using Scheduler.Benchmarks.Harness;
using Scheduler.Benchmarks.References;

namespace Scheduler.Benchmarks.Cases;

/// <summary>
/// Timer fires: N sleepers on a virtual clock, each sleeping a random whole number of milliseconds (1 to 100, so
/// equal deadlines are common), again and again. The loop runs with <see cref="VirtualClock.AutoAdvance"/>; the
/// reference is a hand-written scheduler over a <see cref="PriorityQueue{TElement, TPriority}"/> with FIFO ties
/// (<see cref="PriorityQueueTimers"/>). Operation: one sleep (the step that yields it, the timer set, its fire and
/// the wake-up), marginal over a run where every task ends at once.
/// </summary>
internal static class TimerCases
{
    public const int Fires = 200_000;
    private const int Durations = 100;
    private const int SlotMask = (1 << 16) - 1;

    // Which of the 100 durations task t sleeps on lap l: s_slots[(t * 257 + l) & SlotMask]. The same for both sides.
    private static readonly byte[] s_slots = MakeSlots();

    public static IEnumerable<ComparisonCase> Quick()
    {
        foreach (int tasks in new[] { 1_000, 100_000 })
        {
            yield return new ComparisonCase
            {
                Id = $"timer-{tasks}",
                Workload = "timer fire (random deadlines, virtual clock)",
                Label = $"{tasks:N0} sleepers",
                Operation = "fire",
                Ours = Loop(tasks),
                References = [new ReferenceSpec(Reference(tasks), new Target("no slower (<= 1.00)", 1.0, ZeroBytes: true))],
                Size = Fires / tasks,
                BaselineSize = 0,
                Miniatures = static () => [(Loop(8), 4), (Reference(8), 4)],
            };
        }
    }

    public static Contender Loop(int tasks) => new("EventLoop: Wait.For, VirtualClock", laps =>
    {
        var loop = new EventLoop(new VirtualClock { AutoAdvance = true });
        WaitCondition[] waits = LoopWaits();
        for (int i = 0; i < tasks; i++)
        {
            loop.Spawn(LoopSleeper(i, 1, waits, fired: null));
        }

        loop.RunUntilIdle(); // the timer heap grows to N entries once, as the reference's queue is sized up front
        for (int i = 0; i < tasks; i++)
        {
            loop.Spawn(LoopSleeper(i, laps, waits, fired: null));
        }

        return new Prepared(() => StepCases.Check(loop.RunUntilIdle(), (long)tasks * (laps + 1), "loop") - tasks, loop.Dispose);
    });

    public static Contender Reference(int tasks) => new("PriorityQueue<T, long>, FIFO ties", laps =>
    {
        var timers = new PriorityQueueTimers(tasks);
        TimerDelay[] delays = ReferenceDelays();
        for (int i = 0; i < tasks; i++)
        {
            timers.Enqueue(ReferenceSleeper(i, laps, delays, fired: null));
        }

        return new Prepared(() => StepCases.Check(timers.Run(), (long)tasks * (laps + 1), "reference") - tasks);
    });

    /// <summary>
    /// Runs a small instance on both sides, recording which task wakes at each fire, and compares the two orders:
    /// the reference must fire equal deadlines in the order set, as the loop does. Returns a description of the result.
    /// </summary>
    public static string CheckSameFireOrder(int tasks = 1_000, int laps = 20)
    {
        var loopOrder = new List<int>();
        using (var loop = new EventLoop(new VirtualClock { AutoAdvance = true }))
        {
            WaitCondition[] waits = LoopWaits();
            for (int i = 0; i < tasks; i++)
            {
                loop.Spawn(LoopSleeper(i, laps, waits, loopOrder));
            }

            loop.RunUntilIdle();
        }

        var referenceOrder = new List<int>();
        var timers = new PriorityQueueTimers(tasks);
        TimerDelay[] delays = ReferenceDelays();
        for (int i = 0; i < tasks; i++)
        {
            timers.Enqueue(ReferenceSleeper(i, laps, delays, referenceOrder));
        }

        timers.Run();
        int firstDifference = Enumerable.Range(0, Math.Min(loopOrder.Count, referenceOrder.Count))
            .FirstOrDefault(i => loopOrder[i] != referenceOrder[i], -1);
        return loopOrder.Count == referenceOrder.Count && firstDifference < 0
            ? $"fire order: identical on both sides ({loopOrder.Count:N0} fires, {tasks:N0} sleepers, equal deadlines fire in the order set)"
            : $"fire order: DIFFERS (loop {loopOrder.Count:N0} fires, reference {referenceOrder.Count:N0}, first difference at fire {firstDifference})";
    }

    private static IEnumerator LoopSleeper(int task, int laps, WaitCondition[] waits, List<int>? fired)
    {
        for (int lap = 0; lap < laps; lap++)
        {
            yield return waits[s_slots[((task * 257) + lap) & SlotMask]];
            fired?.Add(task);
        }
    }

    private static IEnumerator ReferenceSleeper(int task, int laps, TimerDelay[] delays, List<int>? fired)
    {
        for (int lap = 0; lap < laps; lap++)
        {
            yield return delays[s_slots[((task * 257) + lap) & SlotMask]];
            fired?.Add(task);
        }
    }

    // Made once per run, outside the timed region; the loop's are the cached Wait.For instances.
    private static WaitCondition[] LoopWaits() =>
        [.. Enumerable.Range(1, Durations).Select(static ms => Wait.For(TimeSpan.FromMilliseconds(ms)))];

    private static TimerDelay[] ReferenceDelays() =>
        [.. Enumerable.Range(1, Durations).Select(static ms => new TimerDelay(TimeSpan.FromMilliseconds(ms).Ticks))];

    private static byte[] MakeSlots()
    {
        var random = new Random(7);
        var slots = new byte[SlotMask + 1];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = (byte)random.Next(Durations);
        }

        return slots;
    }
}
