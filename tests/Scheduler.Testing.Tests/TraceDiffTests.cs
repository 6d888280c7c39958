using static Scheduler.Testing.Tests.Support.Routines;

namespace Scheduler.Testing.Tests;

/// <summary>Comparing a trace with the expected one: what is ignored, and the exact shape of the diff message.</summary>
public class TraceDiffTests
{
    [Test]
    public void ShouldBe_SameLinesIndentedAndGroupedWithBlankLines_Passes()
    {
        using LoopTest test = TwoTasksThreeRounds();

        Assert.DoesNotThrow(() => test.Trace.ShouldBe("""

                1 a: yield
                1 b: yield

                2 a: yield
                2 b: yield

            """));
    }

    [Test]
    public void ShouldBe_TwoLinesSwapped_MessageIsADiffWithContextThenTheActualTrace()
    {
        using LoopTest test = TwoTasksThreeRounds();

        var error = Assert.Throws<LoopTestException>(() => test.Trace.ShouldBe("""
            1 a: yield
            1 b: yield
            2 b: yield
            2 a: yield
            """));

        Assert.That(error!.Message, Is.EqualTo(
            "The trace differs from the expected one, first at expected line 3: 1 expected line missing, 1 unexpected line (- expected, + actual).\n" +
            "  1 a: yield\n" +
            "  1 b: yield\n" +
            "- 2 b: yield\n" +
            "  2 a: yield\n" +
            "+ 2 b: yield\n" +
            "\n" +
            "Actual trace (4 lines; paste it as the expected trace if it is right):\n" +
            "1 a: yield\n" +
            "1 b: yield\n" +
            "2 a: yield\n" +
            "2 b: yield"));
    }

    [Test]
    public void ShouldBe_ChangesFarApart_ShowsThreeLinesOfContextAroundEachAndElidesTheRest()
    {
        string[] actual = Enumerable.Range(1, 12).Select(i => $"{i} a: yield").ToArray();
        string[] expected = [.. actual];
        expected[0] = "1 a: wait";
        expected[11] = "12 a: wait";

        string? message = TraceDiff.Describe(expected, actual);

        Assert.That(message, Does.StartWith(
            "The trace differs from the expected one, first at expected line 1: 2 expected lines missing, 2 unexpected lines (- expected, + actual).\n" +
            "- 1 a: wait\n" +
            "+ 1 a: yield\n" +
            "  2 a: yield\n" +
            "  3 a: yield\n" +
            "  4 a: yield\n" +
            "  ...\n" +
            "  9 a: yield\n" +
            "  10 a: yield\n" +
            "  11 a: yield\n" +
            "- 12 a: wait\n" +
            "+ 12 a: yield\n" +
            "\n"));
    }

    [Test]
    public void Describe_ASingleLineBetweenTwoContexts_IsShownRatherThanElided()
    {
        string[] actual = Enumerable.Range(1, 9).Select(i => $"{i} a: yield").ToArray();
        string[] expected = [.. actual];
        expected[0] = "1 a: wait";
        expected[8] = "9 a: wait";

        string? message = TraceDiff.Describe(expected, actual);

        Assert.That(message, Does.Contain("  4 a: yield\n  5 a: yield\n  6 a: yield\n").And.Not.Contain("..."));
    }

    [Test]
    public void ShouldBe_ActualHasExtraLinesAtTheEnd_ReportsThemAsUnexpected()
    {
        string? message = TraceDiff.Describe(["1 a: yield"], ["1 a: yield", "2 a: end Completed"]);

        Assert.That(message, Does.StartWith(
            "The trace differs from the expected one, first at expected line 2: 0 expected lines missing, 1 unexpected line (- expected, + actual).\n" +
            "  1 a: yield\n" +
            "+ 2 a: end Completed\n"));
    }

    [Test]
    public void ShouldBe_EmptyTraceExpectedSomething_ReportsTheMissingLines()
    {
        using var test = new LoopTest();

        var error = Assert.Throws<LoopTestException>(() => test.Trace.ShouldBe("1 a: yield"));

        Assert.That(error!.Message, Is.EqualTo(
            "The trace differs from the expected one, first at expected line 1: 1 expected line missing, 0 unexpected lines (- expected, + actual).\n" +
            "- 1 a: yield\n" +
            "\n" +
            "Actual trace (0 lines; paste it as the expected trace if it is right):"));
    }

    [Test]
    public void Describe_HugeTracesThatDifferThroughout_FallsBackToRemovedThenAddedWithoutTheQuadraticTable()
    {
        string[] expected = Enumerable.Range(0, 3000).Select(i => $"e{i}").ToArray();
        string[] actual = Enumerable.Range(0, 3000).Select(i => $"a{i}").ToArray();

        List<(char Op, string Line)> edits = TraceDiff.Compute(expected, actual);

        Assert.Multiple(() =>
        {
            Assert.That(edits, Has.Count.EqualTo(6000));
            Assert.That(edits.Take(3000).All(e => e.Op == '-'), Is.True);
            Assert.That(edits.Skip(3000).All(e => e.Op == '+'), Is.True);
        });
    }

    [Test]
    public void Describe_EqualLines_ReturnsNull()
    {
        Assert.That(TraceDiff.Describe(["1 a: yield"], ["1 a: yield"]), Is.Null);
    }

    private static LoopTest TwoTasksThreeRounds()
    {
        var test = new LoopTest();
        test.Spawn(Spin(), "a");
        test.Spawn(Spin(), "b");
        test.RunRounds(2);
        return test;
    }
}
