using Scheduler.Tests.Support;

namespace Scheduler.Tests.Loop;

/// <summary>
/// Shutdown (Semantics 10): Dispose runs what is already in the inbox, then disposes every live coroutine in
/// spawn order, each stack innermost first, each <c>finally</c> once; afterwards the loop refuses work with
/// <see cref="ObjectDisposedException"/>, and a post racing Dispose either runs or throws, never vanishes.
/// </summary>
public class DisposeTests
{
    private static readonly TimeSpan s_safetyNet = TimeSpan.FromSeconds(10);

    [Test]
    public void Dispose_LiveCoroutinesOfEveryKind_DisposesEachInSpawnOrderInnermostFirst()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        Coroutine? target = null;
        Coroutine ready = loop.Spawn(Ready(), "ready");
        Coroutine sleeper = loop.Spawn(Sleeper(), "sleeper");
        Coroutine joiner = loop.Spawn(Joiner(), "joiner"); // joins a coroutine spawned after it
        target = loop.Spawn(Parked("target"), "target");
        Coroutine delegator = loop.Spawn(Outer(), "delegator");
        loop.Tick();

        Assert.Multiple(() =>
        {
            Assert.That(ready.State, Is.EqualTo(CoroutineState.Ready));
            Assert.That(sleeper.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(target!.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(delegator.State, Is.EqualTo(CoroutineState.Waiting));
            Assert.That(loop.PendingTimerCount, Is.EqualTo(1));
            Assert.That(trace.ToString(), Is.Empty);
        });

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(
                trace.ToString(),
                Is.EqualTo("ready.finally sleeper.finally joiner.finally target.finally inner.finally middle.finally outer.finally"));
            Assert.That(new[] { ready, sleeper, joiner, target!, delegator }.Select(c => c.State), Is.All.EqualTo(CoroutineState.Canceled));
            Assert.That(loop.LiveCount, Is.Zero);
            Assert.That(loop.PendingTimerCount, Is.Zero, "no timer is left behind");
            Assert.That(loop.StepCount, Is.EqualTo(5), "disposal at shutdown is not a step");
        });

        IEnumerator Ready()
        {
            try
            {
                while (true)
                {
                    yield return null;
                }
            }
            finally
            {
                trace.Add("ready.finally");
            }
        }

        IEnumerator Sleeper()
        {
            try
            {
                yield return Wait.For(TimeSpan.FromHours(1));
            }
            finally
            {
                trace.Add("sleeper.finally");
            }
        }

        IEnumerator Joiner()
        {
            try
            {
                yield return target;
            }
            finally
            {
                trace.Add("joiner.finally");
            }
        }

        IEnumerator Outer()
        {
            try
            {
                yield return Middle();
            }
            finally
            {
                trace.Add("outer.finally");
            }
        }

        IEnumerator Middle()
        {
            try
            {
                yield return Parked("inner");
            }
            finally
            {
                trace.Add("middle.finally");
            }
        }

        IEnumerator Parked(string name)
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add($"{name}.finally");
            }
        }
    }

    [Test]
    public void Dispose_JoinedCoroutineSpawnedBeforeItsJoiner_StillDisposesEachOnceInSpawnOrder()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        Coroutine target = loop.Spawn(Parked("target"), "target");
        Coroutine joiner = loop.Spawn(Joiner(target), "joiner");
        loop.Tick();

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("target.finally joiner.finally"));
            Assert.That(target.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(joiner.State, Is.EqualTo(CoroutineState.Canceled));
        });

        IEnumerator Joiner(Coroutine other)
        {
            try
            {
                yield return other;
            }
            finally
            {
                trace.Add("joiner.finally");
            }
        }

        IEnumerator Parked(string name)
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add($"{name}.finally");
            }
        }
    }

    [Test]
    public void Dispose_WithPostsAndSpawnsInInbox_RunsThemBeforeDisposingCoroutines()
    {
        var trace = new Trace();
        var loop = new EventLoop(new VirtualClock());
        Coroutine parked = loop.Spawn(Parked(), "parked");
        loop.Tick();
        loop.Post(() => trace.Add("posted"));
        Coroutine? remote = null;
        RunOnHelperThread(() => remote = loop.Spawn(Remote(), "remote"));

        loop.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo("posted parked.finally"), "the inbox runs first; a never-started routine runs no code");
            Assert.That(parked.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(remote!.State, Is.EqualTo(CoroutineState.Canceled), "a spawn in the inbox is not lost: it ends canceled");
            Assert.That(remote.Steps, Is.Zero);
        });

        IEnumerator Parked()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                trace.Add("parked.finally");
            }
        }

        IEnumerator Remote()
        {
            try
            {
                trace.Add("remote.body");
                yield return null;
            }
            finally
            {
                trace.Add("remote.finally");
            }
        }
    }

    [Test]
    public void Dispose_FromAnotherThreadWhileNoneDrives_RunsFinallyBlocksOnTheDisposingThread()
    {
        var loop = new EventLoop(new VirtualClock());
        int finallyThread = 0;
        loop.Spawn(Parked(), "parked");
        loop.Tick();
        int disposingThread = 0;

        RunOnHelperThread(() =>
        {
            disposingThread = Environment.CurrentManagedThreadId;
            loop.Dispose();
        });

        Assert.Multiple(() =>
        {
            Assert.That(finallyThread, Is.Not.Zero);
            Assert.That(finallyThread, Is.EqualTo(disposingThread));
        });

        IEnumerator Parked()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                finallyThread = Environment.CurrentManagedThreadId;
            }
        }
    }

    [Test]
    public void Dispose_CalledTwice_SecondCallDoesNothing()
    {
        int finallies = 0;
        var loop = new EventLoop(new VirtualClock());
        Coroutine parked = loop.Spawn(Parked(), "parked");
        loop.Tick();

        loop.Dispose();
        Assert.That(loop.Dispose, Throws.Nothing);

        Assert.Multiple(() =>
        {
            Assert.That(finallies, Is.EqualTo(1));
            Assert.That(parked.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.That(parked.Cancel(), Is.False, "an ended coroutine cannot be canceled");
        });

        IEnumerator Parked()
        {
            try
            {
                yield return Wait.Forever;
            }
            finally
            {
                finallies++;
            }
        }
    }

    [Test]
    public void Dispose_Afterwards_SpawnPostAndDriversThrowObjectDisposedException()
    {
        var loop = new EventLoop(new VirtualClock());
        Coroutine done = loop.Spawn(Empty(), "done");
        loop.Tick();
        loop.Dispose();
        Exception? foreignSpawn = null;
        Exception? foreignPost = null;
        RunOnHelperThread(() =>
        {
            foreignSpawn = Catch(() => loop.Spawn(Empty()));
            foreignPost = Catch(() => loop.Post(() => { }));
        });

        Assert.Multiple(() =>
        {
            Assert.That(() => loop.Spawn(Empty()), Throws.TypeOf<ObjectDisposedException>(), "Spawn");
            Assert.That(() => loop.Spawn<int>(Empty()), Throws.TypeOf<ObjectDisposedException>(), "Spawn<T>");
            Assert.That(() => loop.Post(() => { }), Throws.TypeOf<ObjectDisposedException>(), "Post");
            Assert.That(() => loop.Tick(), Throws.TypeOf<ObjectDisposedException>(), "Tick");
            Assert.That(() => loop.RunUntilIdle(), Throws.TypeOf<ObjectDisposedException>(), "RunUntilIdle");
            Assert.That(() => loop.RunUntilIdle(10), Throws.TypeOf<ObjectDisposedException>(), "RunUntilIdle(max)");
            Assert.That(() => loop.Run(CancellationToken.None), Throws.TypeOf<ObjectDisposedException>(), "Run");
            Assert.That(() => loop.RunUntilComplete(done), Throws.TypeOf<ObjectDisposedException>(), "RunUntilComplete");
            Assert.That(() => loop.RunUntilComplete(Empty()), Throws.TypeOf<ObjectDisposedException>(), "RunUntilComplete(routine)");
            Assert.That(foreignSpawn, Is.TypeOf<ObjectDisposedException>(), "Spawn from another thread");
            Assert.That(foreignPost, Is.TypeOf<ObjectDisposedException>(), "Post from another thread");
        });

        static IEnumerator Empty()
        {
            yield break;
        }
    }

    [Test]
    public void Dispose_RacingPostsAndSpawnsFromAnotherThread_EachRunsOrThrowsNeverVanishes()
    {
        const int Iterations = 300;
        const int PerIteration = 20;
        long totalRan = 0;
        long totalThrew = 0;
        int unsettledSpawns = 0;

        for (int i = 0; i < Iterations; i++)
        {
            var loop = new EventLoop(new VirtualClock());
            using var startLine = new Barrier(2);
            int ran = 0;
            int threw = 0;
            int posted = 0;
            var spawned = new List<Coroutine>();
            Exception? unexpected = null;
            var poster = new Thread(() =>
            {
                startLine.SignalAndWait();
                for (int k = 0; k < PerIteration; k++)
                {
                    posted++;
                    try
                    {
                        if (k % 4 == 3)
                        {
                            spawned.Add(loop.Spawn(Empty()));
                        }
                        else
                        {
                            loop.Post(() => Interlocked.Increment(ref ran));
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        threw++;
                    }
                    catch (Exception ex)
                    {
                        unexpected = ex;
                    }
                }
            })
            {
                IsBackground = true,
            };
            poster.Start();

            startLine.SignalAndWait();
            loop.Dispose();
            Assert.That(poster.Join(s_safetyNet), Is.True);

            int spawnedCount = spawned.Count;
            int postsThatRan = ran;
            unsettledSpawns += spawned.Count(c => c.State != CoroutineState.Canceled);
            Assert.That(unexpected, Is.Null);
            Assert.That(
                postsThatRan + spawnedCount + threw,
                Is.EqualTo(posted),
                $"iteration {i}: {postsThatRan} ran + {spawnedCount} spawned + {threw} threw != {posted} posted");
            totalRan += postsThatRan + spawnedCount;
            totalThrew += threw;
        }

        Assert.Multiple(() =>
        {
            Assert.That(unsettledSpawns, Is.Zero, "every spawn admitted before Dispose ends canceled");
            Assert.That(totalRan + totalThrew, Is.EqualTo((long)Iterations * PerIteration));
        });

        static IEnumerator Empty()
        {
            yield break;
        }
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static void RunOnHelperThread(Action action)
    {
        Exception? fault = null;
        var thread = new Thread(() => fault = Catch(action)) { IsBackground = true, Name = "helper" };
        thread.Start();
        if (!thread.Join(s_safetyNet))
        {
            throw new AssertionException("the helper thread did not finish");
        }

        if (fault is not null)
        {
            throw new AssertionException($"the helper thread threw {fault}");
        }
    }

    [Test]
    public void Dispose_FromAnotherThreadWhileRunIsInAStuckStep_ReturnsAtOnceAndTheDriverDisposesWhenTheStepEnds()
    {
        var trace = new Trace();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var loop = new EventLoop(new EventLoopOptions { KeepRunningWhenEmpty = true, SlowStepThreshold = Timeout.InfiniteTimeSpan });
        Coroutine stuck = loop.Spawn(Stuck(), "stuck");
        int driverThread = 0;
        var driver = new Thread(() =>
        {
            driverThread = Environment.CurrentManagedThreadId;
            loop.Run();
        });
        driver.Start();
        Assert.That(entered.Wait(s_safetyNet), Is.True);

        loop.Dispose(); // the step still blocks the driver: Dispose asks the driver to dispose, and returns

        Assert.That(trace.ToString(), Is.Empty, "nothing is disposed while the step runs");
        release.Set();
        Assert.That(driver.Join(s_safetyNet), Is.True, "Run returns to dispose the loop");

        Assert.Multiple(() =>
        {
            Assert.That(trace.ToString(), Is.EqualTo($"finally on {driverThread}"));
            Assert.That(stuck.State, Is.EqualTo(CoroutineState.Canceled));
            Assert.Throws<ObjectDisposedException>(() => loop.Spawn(Stuck()));
        });

        IEnumerator Stuck()
        {
            try
            {
                entered.Set();
                release.Wait(s_safetyNet); // a step that blocks the loop thread, as a bad routine would
                while (true)
                {
                    yield return null;
                }
            }
            finally
            {
                trace.Add($"finally on {Environment.CurrentManagedThreadId}");
            }
        }
    }
}
