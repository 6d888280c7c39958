using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// Shuffle mode (EventLoopOptions.ShuffleSeed): the coroutines ready at the start of a round's steps run in an
/// order permuted by the seed. Only that order changes: every ready coroutine still steps once per round, what
/// becomes ready during a round still waits for the next, the same seed gives the same orders, and without a
/// seed the order is FIFO.
/// </summary>
public class ShuffleTests
{
    private const int Tasks = 8;
    private const int Rounds = 4;

    [Test]
    public void ShuffleSeed_Null_EveryRoundRunsInFifoOrder()
    {
        List<string> rounds = RoundOrders(seed: null);

        Assert.That(rounds, Is.All.EqualTo("t0 t1 t2 t3 t4 t5 t6 t7"));
    }

    [Test]
    public void ShuffleSeed_Set_EachRoundIsAPermutationOfTheReadyTasksAndSomeAreNotFifo()
    {
        List<string> rounds = RoundOrders(seed: 1);

        Assert.Multiple(() =>
        {
            Assert.That(rounds, Has.Count.EqualTo(Rounds + 1), "each task steps once per round: yields 4 times, ends in round 5");
            Assert.That(rounds.Select(r => string.Join(" ", r.Split(' ').Order(StringComparer.Ordinal))),
                Is.All.EqualTo("t0 t1 t2 t3 t4 t5 t6 t7"), "every ready task steps exactly once in every round");
            Assert.That(rounds, Has.Some.Not.EqualTo("t0 t1 t2 t3 t4 t5 t6 t7"));
            Assert.That(rounds.Distinct().Count(), Is.GreaterThan(1), "each round is permuted afresh");
        });
    }

    [Test]
    public void ShuffleSeed_SameSeed_SameOrdersOnEveryRun()
    {
        List<string> first = RoundOrders(seed: 42);
        List<string> second = RoundOrders(seed: 42);

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void ShuffleSeed_DifferentSeeds_DifferentOrders()
    {
        Assert.That(RoundOrders(seed: 1), Is.Not.EqualTo(RoundOrders(seed: 2)));
    }

    [Test]
    public void ShuffleSeed_TasksReadiedDuringARound_StillRunInALaterRound()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), ShuffleSeed = 3 });
        var signal = new Signal(loop);
        for (int i = 0; i < 4; i++)
        {
            loop.Spawn(Parent(i), $"p{i}");
        }

        loop.Spawn(Waiter(), "waiter");
        loop.Spawn(Setter(), "setter");

        loop.Tick();
        string round1 = trace.ToString();
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(round1, Does.Not.Contain("child").And.Not.Contain("woken"), "spawned and woken in round 1: not run in round 1");
            Assert.That(trace.Events.Count(e => e.StartsWith("r2:child", StringComparison.Ordinal)), Is.EqualTo(4));
            Assert.That(trace.Events, Has.Member("r2:woken"));
        });

        IEnumerator Parent(int i)
        {
            trace.Add($"r{loop.TickCount}:p{i}");
            loop.Spawn(Child(i), $"c{i}");
            yield return null;
        }

        IEnumerator Child(int i)
        {
            trace.Add($"r{loop.TickCount}:child{i}");
            yield break;
        }

        IEnumerator Waiter()
        {
            yield return signal.Wait();
            trace.Add($"r{loop.TickCount}:woken");
        }

        IEnumerator Setter()
        {
            signal.Set();
            yield break;
        }
    }

    [Test]
    public void ShuffleSeed_IndependentTasksWithWaitsAndTimers_EachRunsInTheSameRoundsAsWithoutShuffle()
    {
        Assert.That(RoundsOfEachTask(seed: 5), Is.EqualTo(RoundsOfEachTask(seed: null)));

        static Dictionary<string, string> RoundsOfEachTask(int? seed)
        {
            var clock = new VirtualClock { AutoAdvance = true };
            using var loop = new EventLoop(new EventLoopOptions { Clock = clock, ShuffleSeed = seed });
            var rounds = new Dictionary<string, List<long>>();
            for (int i = 0; i < 6; i++)
            {
                rounds[$"t{i}"] = [];
                loop.Spawn(Mixed(i, rounds[$"t{i}"]), $"t{i}");
            }

            loop.RunUntilIdle();
            return rounds.ToDictionary(p => p.Key, p => string.Join(",", p.Value));

            IEnumerator Mixed(int i, List<long> seen)
            {
                seen.Add(loop.TickCount);
                yield return Wait.Ticks(i + 1);
                seen.Add(loop.TickCount);
                yield return Wait.For(TimeSpan.FromSeconds(i % 3));
                seen.Add(loop.TickCount);
                yield return null;
                seen.Add(loop.TickCount);
            }
        }
    }

    [Test]
    public void ShuffleSeed_RunOneStepAndTick_WalkTheSamePermutation()
    {
        string ticked = Walk(useOneStep: false);
        string stepped = Walk(useOneStep: true);

        Assert.That(stepped, Is.EqualTo(ticked));

        static string Walk(bool useOneStep)
        {
            var trace = new Trace();
            using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), ShuffleSeed = 9 });
            for (int i = 0; i < Tasks; i++)
            {
                loop.Spawn(Named(trace, loop, $"t{i}"), $"t{i}");
            }

            for (int round = 0; round < 3; round++)
            {
                if (useOneStep)
                {
                    for (int i = 0; i < Tasks; i++)
                    {
                        loop.RunOneStep();
                    }
                }
                else
                {
                    loop.Tick();
                }
            }

            return trace.ToString();
        }
    }

    /// <summary>The order the tasks stepped in, one string per round, for <see cref="Tasks"/> tasks that yield <see cref="Rounds"/> times.</summary>
    private static List<string> RoundOrders(int? seed)
    {
        var trace = new Trace();
        using var loop = new EventLoop(new EventLoopOptions { Clock = new VirtualClock(), ShuffleSeed = seed });
        for (int i = 0; i < Tasks; i++)
        {
            loop.Spawn(Named(trace, loop, $"t{i}", Rounds), $"t{i}");
        }

        loop.RunUntilIdle();
        return trace.Events
            .Select(e => e.Split(':'))
            .GroupBy(parts => parts[0], parts => parts[1])
            .Select(g => string.Join(" ", g))
            .ToList();
    }

    private static IEnumerator Named(Trace trace, EventLoop loop, string name, int yields = int.MaxValue)
    {
        for (int i = 0; ; i++)
        {
            trace.Add($"{loop.TickCount}:{name}");
            if (i == yields)
            {
                yield break;
            }

            yield return null;
        }
    }
}
