using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

public class SmokeTests
{
    [Test]
    public void Tick_ThreeTasksThreeYields_InterleaveFifo()
    {
        var trace = new Trace();
        using var loop = new EventLoop(new VirtualClock());
        foreach (string name in new[] { "a", "b", "c" })
        {
            loop.Spawn(Body(name), name);
        }

        long steps = loop.RunUntilIdle();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("a0 b0 c0 a1 b1 c1 a2 b2 c2"));
            Assert.That(steps, Is.EqualTo(12));
            Assert.That(loop.TickCount, Is.EqualTo(5));
        });

        IEnumerator Body(string name)
        {
            for (int i = 0; i < 3; i++)
            {
                trace.Add($"{name}{i}");
                yield return null;
            }
        }
    }
}
