namespace Scheduler;

/// <summary>
/// Per-thread caches that let <c>yield return Wait.For(d)</c> and <c>Wait.Ticks(n)</c>, written fresh in every
/// iteration, allocate nothing in steady state. Waits are immutable, so sharing an instance is always safe; the
/// caches only decide how often a new one is made. Each is direct-mapped (a slot per hash, replaced on a
/// miss), so memory stays fixed however many different durations a program uses.
/// </summary>
internal static class WaitCache
{
    private const int Size = 256; // a power of two

    [ThreadStatic]
    private static DelayWait?[]? t_delays;

    [ThreadStatic]
    private static RoundsWait?[]? t_rounds;

    public static DelayWait Delay(TimeSpan duration)
    {
        DelayWait?[] cache = t_delays ??= new DelayWait?[Size];
        int slot = (int)((ulong)duration.Ticks * 0x9E3779B97F4A7C15UL >> 56) & (Size - 1);
        DelayWait? cached = cache[slot];
        if (cached is null || cached.Duration != duration)
        {
            cache[slot] = cached = new DelayWait(duration);
        }

        return cached;
    }

    public static RoundsWait Rounds(int rounds)
    {
        RoundsWait?[] cache = t_rounds ??= new RoundsWait?[Size];
        int slot = rounds & (Size - 1);
        RoundsWait? cached = cache[slot];
        if (cached is null || cached.Rounds != rounds)
        {
            cache[slot] = cached = new RoundsWait(rounds);
        }

        return cached;
    }
}
