namespace Scheduler.Benchmarks.Harness;

/// <summary>
/// Gets every contender's code to tier 1 before anything is timed, by running miniature versions of them many times.
/// </summary>
/// <remarks>
/// The runtime recompiles a method with full optimization and PGO once it has been called 30 times (after a quiet
/// period of 100 ms). The drivers of a benchmark (the loop's <c>RunSteps</c>, which runs quiet rounds back to back,
/// the floor's loop, a reference scheduler's run method, the one-thread context's pump) are called once per timed
/// run, so a few repetitions never reach that count: they would run in on-stack-replacement code, compiled for the
/// loop in flight, for the whole benchmark, and the comparison would be between two tiers instead of two designs.
/// Four passes of forty small runs each, with pauses for the background compiler, reach tier 1 everywhere. The
/// miniatures are the workload's own (each case runs in a process of its own), so the profile that guides the tier-1
/// code (which iterator type <c>MoveNext</c> is devirtualized for, which branches are hot) is this workload's, as in a
/// program that runs it for a long time.
/// </remarks>
internal static class TierUp
{
    public static void Run(IEnumerable<(Contender Contender, int Size)> miniatures)
    {
        (Contender Contender, int Size)[] small = [.. miniatures];
        for (int pass = 0; pass < 4; pass++)
        {
            for (int call = 0; call < 40; call++)
            {
                foreach ((Contender contender, int size) in small)
                {
                    Prepared prepared = contender.Prepare(size);
                    prepared.Run();
                    prepared.Cleanup?.Invoke();
                }
            }

            Thread.Sleep(200);
        }
    }
}
