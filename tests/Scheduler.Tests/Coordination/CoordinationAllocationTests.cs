namespace Scheduler.Tests.Coordination;

/// <summary>
/// Waiting on a coordination primitive allocates nothing in steady state: the waits are cached per primitive,
/// parking goes into the primitive's own list, and a hand-off reuses one grant object per primitive. Measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> on the test thread, after a warm-up of the same shape (see
/// <c>Loop/AllocationTests</c> for the method).
/// </summary>
public class CoordinationAllocationTests
{
    private const int Warmup = 2_000;
    private const int Measured = 50_000;

    [TestCase(true, TestName = "SignalPingPong_AutoReset_AllocatesNothingPerRoundTrip")]
    [TestCase(false, TestName = "SignalPingPong_ManualReset_AllocatesNothingPerRoundTrip")]
    public void SignalPingPong_AllocatesNothingPerRoundTrip(bool autoReset)
    {
        using var loop = new EventLoop(new VirtualClock());
        var ping = new Signal(loop, autoReset);
        var pong = new Signal(loop, autoReset);
        var counter = new Counter();
        loop.Spawn(Server(ping, pong, counter, autoReset));
        loop.Spawn(Client(ping, pong, Warmup, autoReset));
        loop.RunUntilIdle();
        loop.Spawn(Client(ping, pong, Measured, autoReset));
        int before = counter.Value;

        SettleHeap();
        long start = GC.GetAllocatedBytesForCurrentThread();
        loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;

        Assert.That(counter.Value - before, Is.EqualTo(Measured));
        AssertNothingAllocated(allocated, Measured, "round trip");

        static IEnumerator Server(Signal ping, Signal pong, Counter counter, bool autoReset)
        {
            while (true)
            {
                yield return ping.Wait();
                if (!autoReset)
                {
                    ping.Reset();
                }

                counter.Value++;
                pong.Set();
            }
        }
    }

    [Test]
    public void SemaphoreHandOff_TwoCoroutinesOnePermit_AllocatesNothingPerHandOff()
    {
        using var loop = new EventLoop(new VirtualClock());
        var semaphore = new CoroutineSemaphore(loop, initialCount: 1, maxCount: 1);
        var counter = new Counter();
        loop.Spawn(Contender(semaphore, counter, Warmup));
        loop.Spawn(Contender(semaphore, counter, Warmup));
        loop.RunUntilIdle();
        loop.Spawn(Contender(semaphore, counter, Measured));
        loop.Spawn(Contender(semaphore, counter, Measured));
        int before = counter.Value;

        SettleHeap();
        long start = GC.GetAllocatedBytesForCurrentThread();
        loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;

        Assert.That(counter.Value - before, Is.EqualTo(2 * Measured));
        AssertNothingAllocated(allocated, 2 * Measured, "hand-off");

        static IEnumerator Contender(CoroutineSemaphore semaphore, Counter counter, int times)
        {
            for (int i = 0; i < times; i++)
            {
                yield return semaphore.Wait();
                counter.Value++;
                yield return null;
                semaphore.Release();
            }
        }
    }

    [Test]
    public void LockHandOff_TwoCoroutines_AllocatesNothingPerHandOff()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gate = new CoroutineLock(loop);
        var counter = new Counter();
        loop.Spawn(Contender(gate, counter, Warmup));
        loop.Spawn(Contender(gate, counter, Warmup));
        loop.RunUntilIdle();
        loop.Spawn(Contender(gate, counter, Measured));
        loop.Spawn(Contender(gate, counter, Measured));
        int before = counter.Value;

        SettleHeap();
        long start = GC.GetAllocatedBytesForCurrentThread();
        loop.RunUntilIdle();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;

        Assert.That(counter.Value - before, Is.EqualTo(2 * Measured));
        AssertNothingAllocated(allocated, 2 * Measured, "hand-off");

        static IEnumerator Contender(CoroutineLock gate, Counter counter, int times)
        {
            for (int i = 0; i < times; i++)
            {
                yield return gate.Acquire();
                try
                {
                    counter.Value++;
                    yield return null;
                }
                finally
                {
                    gate.Release();
                }
            }
        }
    }

    private static IEnumerator Client(Signal ping, Signal pong, int times, bool autoReset)
    {
        for (int i = 0; i < times; i++)
        {
            ping.Set();
            yield return pong.Wait();
            if (!autoReset)
            {
                pong.Reset();
            }
        }
    }

    private static void SettleHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void AssertNothingAllocated(long allocated, long count, string unit)
    {
        Assert.That(
            allocated,
            Is.Zero,
            $"allocated {allocated} bytes over {count} {unit}s ({(double)allocated / count:0.###} bytes per {unit})");
    }

    private sealed class Counter
    {
        public int Value;
    }
}
