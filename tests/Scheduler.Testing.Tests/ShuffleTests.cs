namespace Scheduler.Testing.Tests;

/// <summary>
/// Shuffle mode: a scenario that depends on FIFO order passes without shuffle and fails under some seeds; the
/// seed printed replays exactly the same failure; order-independent scenarios pass under every seed.
/// </summary>
public class ShuffleTests
{
    [Test]
    public void FifoDependentScenario_WithoutShuffle_Passes()
    {
        using var test = new LoopTest();

        Assert.DoesNotThrow(() => ReaderExpectsWriterFirst(test));
    }

    [Test]
    public void FifoDependentScenario_ForEachSeed_FailsNamingTheFirstFailingSeedAndHowToReplay()
    {
        var error = Assert.Throws<LoopTestException>(() => LoopTest.ForEachSeed(20, ReaderExpectsWriterFirst));

        List<int> failing = Enumerable.Range(1, 20).Where(seed => Fails(seed, ReaderExpectsWriterFirst)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(failing, Is.Not.Empty.And.Count.LessThan(20), "some seeds run the reader first, others the writer");
            Assert.That(error!.Seed, Is.EqualTo(failing[0]));
            Assert.That(error.Message, Does.StartWith(
                $"The scenario failed under shuffle seed {failing[0]}: {failing.Count} of 20 seed(s) failed " +
                $"({string.Join(", ", failing.Take(10))}{(failing.Count > 10 ? ", ..." : "")}).\n" +
                "It depends on the order in which tasks ready in the same round run, which the loop does not promise.\n" +
                $"Replay exactly: LoopTest.Replay({failing[0]}, scenario), or new LoopTest(new LoopTestOptions {{ ShuffleSeed = {failing[0]} }}).\n" +
                "\n" +
                $"Failure under seed {failing[0]}: LoopTestException: The trace differs from the expected one"));
            Assert.That(error.InnerException, Is.TypeOf<LoopTestException>());
        });
    }

    [Test]
    public void Replay_ThePrintedSeed_FailsWithExactlyTheSameMessage()
    {
        var error = Assert.Throws<LoopTestException>(() => LoopTest.ForEachSeed(20, ReaderExpectsWriterFirst));

        var replayed = Assert.Throws<LoopTestException>(() => LoopTest.Replay(error!.Seed!.Value, ReaderExpectsWriterFirst));

        Assert.That(replayed!.Message, Is.EqualTo(error!.InnerException!.Message));
    }

    [Test]
    public void Replay_SameSeedTwice_SameTraceEveryRound()
    {
        string first = TraceUnder(7);
        string second = TraceUnder(7);

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Replay_DifferentSeeds_DifferentOrders()
    {
        string[] traces = Enumerable.Range(1, 5).Select(TraceUnder).ToArray();

        Assert.That(traces.Distinct().Count(), Is.GreaterThan(1));
    }

    [Test]
    public void ForEachSeed_OrderIndependentScenario_PassesUnderEverySeed()
    {
        int runs = 0;

        LoopTest.ForEachSeed(50, test =>
        {
            runs++;
            int total = 0;
            for (int i = 1; i <= 4; i++)
            {
                test.Spawn(Add(i), $"adder{i}");
            }

            test.RunUntilIdle();
            if (total != 10)
            {
                throw new InvalidOperationException($"total {total}");
            }

            IEnumerator Add(int value)
            {
                yield return null;
                total += value;
            }
        });

        Assert.That(runs, Is.EqualTo(50));
    }

    [Test]
    public void ForEachSeed_ScenarioFailsUnderEverySeed_SaysItMayNotDependOnOrder()
    {
        var error = Assert.Throws<LoopTestException>(() =>
            LoopTest.ForEachSeed(3, _ => throw new InvalidOperationException("always")));

        Assert.That(error!.Message, Does.StartWith(
            "The scenario failed under shuffle seed 1: 3 of 3 seed(s) failed (1, 2, 3).\n" +
            "It failed under every seed, so it may not depend on order at all: run it without shuffle first.\n"));
    }

    [Test]
    public void ForEachSeed_GivenSeeds_RunsExactlyThoseInOrder()
    {
        var seen = new List<int?>();

        LoopTest.ForEachSeed([5, 3, 9], test => seen.Add(test.ShuffleSeed));

        Assert.That(seen, Is.EqualTo(new List<int?> { 5, 3, 9 }));
    }

    [Test]
    public void ForEachSeed_OptionsWithASeed_ThrowsNamingTheOptions()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LoopTest.ForEachSeed(3, _ => { }, new LoopTestOptions { ShuffleSeed = 1 }));

        Assert.That(error!.ParamName, Is.EqualTo("options"));
    }

    [Test]
    public void ForEachSeed_NoSeeds_Throws()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => LoopTest.ForEachSeed(0, _ => { }));
            Assert.Throws<ArgumentException>(() => LoopTest.ForEachSeed([], _ => { }));
        });
    }

    [Test]
    public void ForEachSeed_Options_AreAppliedToEveryRun()
    {
        var autoAdvance = new List<bool>();

        LoopTest.ForEachSeed(3, test => autoAdvance.Add(test.AutoAdvance), new LoopTestOptions { AutoAdvance = true });

        Assert.That(autoAdvance, Is.EqualTo(new List<bool> { true, true, true }));
    }

    // The writer sets a value in its first step and the reader reads it in its first step: correct only if the
    // writer steps first in round 1, which FIFO happens to give (it was spawned first) and shuffle does not.
    private static void ReaderExpectsWriterFirst(LoopTest test)
    {
        int value = 0;
        test.Spawn(Write(), "writer");
        test.Spawn(Read(), "reader");
        test.RunUntilIdle();
        test.Trace.OnlyLogs().ShouldBe("1 reader: read 42");

        IEnumerator Write()
        {
            value = 42;
            yield break;
        }

        IEnumerator Read()
        {
            test.Log($"read {value}");
            yield break;
        }
    }

    private static bool Fails(int seed, Action<LoopTest> scenario)
    {
        try
        {
            LoopTest.Replay(seed, scenario);
            return false;
        }
        catch (LoopTestException)
        {
            return true;
        }
    }

    private static string TraceUnder(int seed)
    {
        using var test = new LoopTest(new LoopTestOptions { ShuffleSeed = seed });
        for (int i = 0; i < 6; i++)
        {
            test.Spawn(Support.Routines.Yields(3), $"t{i}");
        }

        test.RunUntilIdle();
        return test.Trace.ToString();
    }
}
