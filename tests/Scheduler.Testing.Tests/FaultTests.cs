using static Scheduler.Testing.Tests.Support.Routines;

namespace Scheduler.Testing.Tests;

/// <summary>A fault nobody observes fails the test (as in Kotlin's runTest); one that is observed does not.</summary>
public class FaultTests
{
    [Test]
    public void UnobservedFault_FailsTheDriverCallItHappenedInNamingTheCoroutine()
    {
        using var test = new LoopTest();
        test.Spawn(FailsAfterOneYield("boom"), "fragile");
        test.RunRound();

        var error = Assert.Throws<LoopTestException>(() => test.RunRound());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith(
                "coroutine 'fragile' (#1) faulted and nobody observed it (joined it or read its result): InvalidOperationException: boom\n" +
                "If the fault is expected, join the coroutine (or read its Result), or set LoopTestOptions.FailOnUnobservedFault = false."));
            Assert.That(error.Message, Does.EndWith("Last trace lines:\n1 fragile: yield\n2 fragile: end Faulted (InvalidOperationException: boom)"));
            Assert.That(error.InnerException, Is.TypeOf<InvalidOperationException>().With.Message.EqualTo("boom"));
        });
    }

    [Test]
    public void UnobservedFault_UnderStep_FailsThatStep()
    {
        using var test = new LoopTest();
        test.Spawn(FailsAfterOneYield("boom"), "fragile");
        test.Step();

        Assert.Throws<LoopTestException>(() => test.Step());
    }

    [Test]
    public void UnobservedFault_OptionOff_TheRunGoesOnAndTheTraceShowsTheFault()
    {
        using var test = new LoopTest(new LoopTestOptions { FailOnUnobservedFault = false });
        test.Spawn(FailsAfterOneYield("boom"), "fragile");

        test.RunUntilIdle();

        Assert.That(test.Trace.ForTask("fragile")[^1].Text, Is.EqualTo("end Faulted (InvalidOperationException: boom)"));
    }

    [Test]
    public void JoinedFault_IsObserved_NoFailure()
    {
        using var test = new LoopTest();
        Coroutine fragile = test.Spawn(FailsAfterOneYield("boom"), "fragile");
        test.Spawn(Observe(fragile), "observer");

        Assert.DoesNotThrow(() => test.RunUntilIdle());

        static IEnumerator Observe(Coroutine other)
        {
            yield return Wait.Settled(other);
        }
    }

    [Test]
    public void UnobservedFault_PostedCallbackThrows_FailsNamingThePost()
    {
        using var test = new LoopTest();
        test.Loop.Post(() => throw new InvalidOperationException("callback"));

        var error = Assert.Throws<LoopTestException>(() => test.RunUntilIdle());

        Assert.That(error!.Message, Does.StartWith("A posted callback faulted and nobody observed it"));
    }
}
