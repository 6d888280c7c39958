using System.Text;

namespace Scheduler.Testing;

// Shuffle mode: run a scenario under many seeds, each permuting the order of same-round tasks differently, and
// report a failing seed that replays exactly.
public sealed partial class LoopTest
{
    private const int SeedsListedInFailures = 10;

    /// <summary>
    /// Runs <paramref name="scenario"/> once for each shuffle seed from 1 to <paramref name="seeds"/>, each time
    /// on a new <see cref="LoopTest"/> whose loop permutes the tasks ready in the same round by that seed.
    /// </summary>
    /// <remarks>
    /// <para>The loop promises FIFO order among tasks ready in the same round, but code that is correct only in
    /// that order is usually fragile: it breaks when an unrelated task starts earlier, or a wait wakes a task a
    /// round sooner. Under shuffle, such code fails for some seeds. Each run is deterministic (same seed, same
    /// orders), so a failing seed replays exactly with <see cref="Replay"/>, provided the scenario itself depends
    /// on nothing else that varies (real time, other threads, unseeded randomness).</para>
    /// <para>Every seed runs, so the message can say how many failed. Any exception thrown by the scenario is a
    /// failure, including a test framework's assertion. (NUnit records a failed <c>Assert</c> as soon as it
    /// happens, so the test fails even though the kit catches the exception; the kit's message still tells
    /// the seed.)</para>
    /// </remarks>
    /// <param name="seeds">How many seeds to try, from 1 up; at least 1.</param>
    /// <param name="scenario">Spawns tasks, drives the loop and checks the outcome; it throws when the outcome is wrong.</param>
    /// <param name="options">Settings for each run (for example <see cref="LoopTestOptions.AutoAdvance"/>); its <see cref="LoopTestOptions.ShuffleSeed"/> must be null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seeds"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> sets a shuffle seed.</exception>
    /// <exception cref="LoopTestException">The scenario failed under at least one seed: <see cref="LoopTestException.Seed"/> is the first, the message lists the others and how to replay, and the inner exception is the failure under the first.</exception>
    public static void ForEachSeed(int seeds, Action<LoopTest> scenario, LoopTestOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        ForEachSeed(Enumerable.Range(1, seeds), scenario, options);
    }

    /// <summary>Runs <paramref name="scenario"/> once under each of <paramref name="seeds"/> (see <see cref="ForEachSeed(int, Action{LoopTest}, LoopTestOptions?)"/>).</summary>
    /// <param name="seeds">The shuffle seeds to try, in order; at least one.</param>
    /// <param name="scenario">Spawns tasks, drives the loop and checks the outcome; it throws when the outcome is wrong.</param>
    /// <param name="options">Settings for each run; its <see cref="LoopTestOptions.ShuffleSeed"/> must be null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="seeds"/> or <paramref name="scenario"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="seeds"/> is empty, or <paramref name="options"/> sets a shuffle seed.</exception>
    /// <exception cref="LoopTestException">The scenario failed under at least one seed.</exception>
    public static void ForEachSeed(IEnumerable<int> seeds, Action<LoopTest> scenario, LoopTestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(scenario);
        options = CheckNoSeed(options);

        var failed = new List<int>();
        Exception? first = null;
        int runs = 0;
        foreach (int seed in seeds)
        {
            runs++;
            try
            {
                Replay(seed, scenario, options);
            }
            catch (Exception ex)
            {
                failed.Add(seed);
                first ??= ex;
            }
        }

        if (runs == 0)
        {
            throw new ArgumentException("No seeds to run: pass at least one.", nameof(seeds));
        }

        if (first is not null)
        {
            throw new LoopTestException(DescribeSeedFailure(failed, runs, first), first, failed[0]);
        }
    }

    /// <summary>Runs <paramref name="scenario"/> once under shuffle seed <paramref name="seed"/>: the same orders as the run that reported it.</summary>
    /// <remarks>What the scenario throws propagates unchanged, so a debugger stops at the original failure.</remarks>
    /// <param name="seed">The seed a <see cref="LoopTestException"/> reported.</param>
    /// <param name="scenario">The scenario, as passed to <see cref="ForEachSeed(int, Action{LoopTest}, LoopTestOptions?)"/>.</param>
    /// <param name="options">The same options as that run; its <see cref="LoopTestOptions.ShuffleSeed"/> must be null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> sets a shuffle seed.</exception>
    public static void Replay(int seed, Action<LoopTest> scenario, LoopTestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options = CheckNoSeed(options);
        using var test = new LoopTest(options.WithSeed(seed));
        scenario(test);
    }

    private static LoopTestOptions CheckNoSeed(LoopTestOptions? options)
    {
        if (options?.ShuffleSeed is not null)
        {
            throw new ArgumentException(
                "options.ShuffleSeed must be null here: ForEachSeed and Replay set the seed of each run themselves.", nameof(options));
        }

        return options ?? new LoopTestOptions();
    }

    private static string DescribeSeedFailure(List<int> failed, int runs, Exception first)
    {
        int seed = failed[0];
        var text = new StringBuilder();
        text.Append("The scenario failed under shuffle seed ").Append(seed).Append(": ")
            .Append(failed.Count).Append(" of ").Append(runs).Append(" seed(s) failed (")
            .Append(string.Join(", ", failed.Take(SeedsListedInFailures)))
            .Append(failed.Count > SeedsListedInFailures ? ", ..." : "").Append(").\n");
        text.Append(failed.Count == runs
            ? "It failed under every seed, so it may not depend on order at all: run it without shuffle first.\n"
            : "It depends on the order in which tasks ready in the same round run, which the loop does not promise.\n");
        text.Append("Replay exactly: LoopTest.Replay(").Append(seed)
            .Append(", scenario), or new LoopTest(new LoopTestOptions { ShuffleSeed = ").Append(seed).Append(" }).\n\n");
        text.Append("Failure under seed ").Append(seed).Append(": ").Append(first.GetType().Name).Append(": ").Append(first.Message);
        return text.ToString();
    }
}
