using System.Collections;
using Scheduler;

namespace Samples.Coordination;

// Coordination: signals, semaphores and locks on one event loop. Each section is one static method and the
// routines it runs. docs/coordination.md quotes the code between the `// <snippet:NAME>` markers verbatim,
// and a test (DocSnippetTests) keeps them in step.
internal static class Program
{
    private static void Main()
    {
        Section("Signal, manual-reset: a starting gun releases every runner", StartingGun);
        Section("Signal, auto-reset: one set releases one waiter", Baton);
        Section("Semaphore: two permits, four workers, first come first served", Pool);
        Section("Lock: one owner at a time, released in finally", Ledger);
        Section("Lock: an owner that ends without releasing", Abandoned);
        Section("Timeouts: Wait.Any with Wait.For", Doorbell);
        Section("Signal.Set from another thread", FromAnotherThread);
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:CoordinationStartingGun>
    private static void StartingGun()
    {
        using var loop = new EventLoop(new VirtualClock());
        var gun = new Signal(loop, name: "gun");                // manual-reset: stays set once fired
        loop.Spawn(Runner(loop, gun, "ann", lateBy: 0), "ann");
        loop.Spawn(Runner(loop, gun, "bob", lateBy: 1), "bob");
        loop.Spawn(Runner(loop, gun, "cat", lateBy: 0), "cat");
        loop.Spawn(Runner(loop, gun, "dan", lateBy: 4), "dan"); // arrives after the shot
        loop.Spawn(Starter(loop, gun), "starter");
        loop.RunUntilIdle();
    }

    private static IEnumerator Runner(EventLoop loop, Signal gun, string name, int lateBy)
    {
        for (int i = 0; i < lateBy; i++)
        {
            yield return null;
        }

        Console.WriteLine($"  round {loop.TickCount}: {name} waits at the line");
        yield return gun.Wait();                               // parks until the gun is fired
        Console.WriteLine($"  round {loop.TickCount}: {name} runs");
    }

    private static IEnumerator Starter(EventLoop loop, Signal gun)
    {
        yield return Wait.Ticks(2);
        Console.WriteLine($"  round {loop.TickCount}: bang");
        gun.Set();                                             // every waiter runs next round, in waiting order
    }
    // </snippet:CoordinationStartingGun>

    // <snippet:CoordinationBaton>
    private static void Baton()
    {
        using var loop = new EventLoop(new VirtualClock());
        var baton = new Signal(loop, autoReset: true, name: "baton");
        loop.Spawn(Leg(loop, baton, "ann"), "ann");
        loop.Spawn(Leg(loop, baton, "bob"), "bob");
        loop.Spawn(Leg(loop, baton, "cat"), "cat");
        baton.Set();                                           // nobody waits yet: the signal stays set
        loop.RunUntilIdle();
        Console.WriteLine($"  after the race: IsSet = {baton.IsSet}");
    }

    private static IEnumerator Leg(EventLoop loop, Signal baton, string name)
    {
        yield return baton.Wait();                             // one set wakes one waiter and clears the signal
        Console.WriteLine($"  round {loop.TickCount}: {name} has the baton");
        yield return null;
        Console.WriteLine($"  round {loop.TickCount}: {name} passes it on");
        baton.Set();                                           // to the next waiter, or kept when none is left
    }
    // </snippet:CoordinationBaton>

    // <snippet:CoordinationPool>
    private static void Pool()
    {
        using var loop = new EventLoop(new VirtualClock());
        var connections = new CoroutineSemaphore(loop, initialCount: 2, maxCount: 2, name: "connections");
        for (int i = 1; i <= 4; i++)
        {
            loop.Spawn(Query(loop, connections, $"q{i}"), $"q{i}");
        }

        loop.RunUntilIdle();
        Console.WriteLine($"  free permits: {connections.CurrentCount}, waiters: {connections.WaiterCount}");
    }

    private static IEnumerator Query(EventLoop loop, CoroutineSemaphore connections, string name)
    {
        yield return connections.Wait();                       // a permit, or a place in the FIFO
        try
        {
            Console.WriteLine($"  round {loop.TickCount}: {name} got a connection ({connections.CurrentCount} free)");
            yield return Wait.Ticks(2);                        // the query takes two rounds
        }
        finally
        {
            connections.Release();                             // straight to the oldest waiter
            Console.WriteLine($"  round {loop.TickCount}: {name} gave it back");
        }
    }
    // </snippet:CoordinationPool>

    // <snippet:CoordinationLedger>
    private static void Ledger()
    {
        using var loop = new EventLoop(new VirtualClock());
        var ledger = new Account();
        var gate = new CoroutineLock(loop, "ledger");
        loop.Spawn(Deposit(loop, gate, ledger, 100), "alice");
        loop.Spawn(Deposit(loop, gate, ledger, 50), "bob");
        loop.Spawn(gate.WithLock(AddInterest(loop, ledger)), "bank");   // WithLock writes the try/finally
        loop.RunUntilIdle();
        Console.WriteLine($"  balance: {ledger.Balance}");
    }

    private static IEnumerator Deposit(EventLoop loop, CoroutineLock gate, Account account, int amount)
    {
        yield return gate.Acquire();
        try
        {
            int balance = account.Balance;                     // read ...
            yield return null;                                 // ... others run here, but none holds the lock ...
            account.Balance = balance + amount;                // ... write: nothing was lost in between
            Console.WriteLine($"  round {loop.TickCount}: {gate.Owner?.Name} deposited {amount}: {account.Balance}");
        }
        finally
        {
            gate.Release();                                    // runs on completion, fault and cancel alike
        }
    }

    private static IEnumerator AddInterest(EventLoop loop, Account account)
    {
        int balance = account.Balance;
        yield return null;
        account.Balance = balance + (balance / 10);
        Console.WriteLine($"  round {loop.TickCount}: bank added 10%: {account.Balance}");
    }

    private sealed class Account
    {
        public int Balance { get; set; }
    }
    // </snippet:CoordinationLedger>

    // <snippet:CoordinationAbandoned>
    private static void Abandoned()
    {
        using var loop = new EventLoop(new VirtualClock());
        loop.UnobservedFault += (_, e) => Console.WriteLine($"  unobserved: {e.Coroutine?.Name} {e.Exception.GetType().Name}");
        var gate = new CoroutineLock(loop, "ledger");
        loop.Spawn(Careless(gate), "careless");
        Coroutine waiter = loop.Spawn(WaitForLedger(gate), "waiter");
        loop.RunUntilIdle();

        var error = (LockAbandonedException)waiter.Exception!;
        Console.WriteLine($"  waiter: {waiter.State}, owner named: {error.Owner}, inner: {error.InnerException?.Message}");
        Console.WriteLine($"  lock abandoned: {gate.IsAbandoned}");
    }

    private static IEnumerator Careless(CoroutineLock gate)
    {
        yield return gate.Acquire();
        throw new InvalidOperationException("disk full");      // no finally: the lock is never released
    }

    private static IEnumerator WaitForLedger(CoroutineLock gate)
    {
        yield return gate.Acquire();                           // faults: the owner ended holding the lock
        gate.Release();
    }
    // </snippet:CoordinationAbandoned>

    // <snippet:CoordinationDoorbell>
    private static void Doorbell()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var bell = new Signal(loop, autoReset: true, name: "bell");
        loop.Spawn(Visitor(clock, bell), "visitor");
        loop.Spawn(Host(clock, bell), "host");
        loop.RunUntilIdle();
    }

    private static IEnumerator Host(VirtualClock clock, Signal bell)
    {
        for (int visit = 1; visit <= 2; visit++)
        {
            AnyWait first = Wait.Any(bell.Wait(), Wait.For(TimeSpan.FromSeconds(5)));
            yield return first;                                // whichever fires first; the other is removed
            Console.WriteLine(first.FiredIndex == 0
                ? $"  {clock.Elapsed.TotalSeconds}s: the bell rang"
                : $"  {clock.Elapsed.TotalSeconds}s: nobody came, stop waiting");
        }
    }

    private static IEnumerator Visitor(VirtualClock clock, Signal bell)
    {
        yield return Wait.For(TimeSpan.FromSeconds(7));
        Console.WriteLine($"  {clock.Elapsed.TotalSeconds}s: visitor rings");
        bell.Set();
    }
    // </snippet:CoordinationDoorbell>

    // <snippet:CoordinationFromThread>
    private static void FromAnotherThread()
    {
        using var loop = new EventLoop();                      // the real clock: Run sleeps until the post arrives
        var done = new Signal(loop, name: "done");
        loop.Spawn(StartWorkerAndWait(loop, done), "waiter");
        loop.Run();                                            // returns once the waiter has ended
    }

    private static IEnumerator StartWorkerAndWait(EventLoop loop, Signal done)
    {
        Console.WriteLine("  loop thread: starting a worker thread, then waiting");
        var worker = new Thread(() =>
        {
            Console.WriteLine("  worker thread: finished, setting the signal");
            done.Set();                                        // safe from any thread: posted to the loop
        });
        worker.Start();
        yield return done.Wait();
        Console.WriteLine($"  loop thread: resumed (IsLoopThread = {loop.IsLoopThread})");
    }
    // </snippet:CoordinationFromThread>
}
