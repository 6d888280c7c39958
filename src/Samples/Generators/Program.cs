using System.Collections;
using Scheduler;

namespace Samples.Generators;

// Generators: the value-producing side of the seed texts. A C# iterator method is a Python generator; the same
// ideas then run on the event loop, where a generator becomes a coroutine that hands its values over a channel.
// Also: a generator's four methods (next, send, throw, close) on one coroutine. docs/samples.md quotes the code
// between the `// <snippet:NAME>` markers verbatim; DocSnippetTests keeps them in step. No section uses real time.
internal static class Program
{
    private static void Main()
    {
        Section("list(sg1()): an iterator method collected into a list", Names);
        Section("The same names through the loop: one per round, collected by a coroutine", NamesOnTheLoop);
        Section("take(10, evens): an endless iterator, pulled ten times", TakeEvens);
        Section("take(10, evens) on the loop: an endless coroutine, closed after ten", TakeEvensOnTheLoop);
        Section("Generator expressions: a LINQ query is lazy too", GeneratorExpressions);
        Section("yield from for values: foreach, or Concat for itertools.chain", YieldFromValues);
        Section("next, send, throw and close on one coroutine", GeneratorMethods);
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:GeneratorsNames>
    private static void Names()
    {
        List<string> names = [.. Sg1()];                            // list(sg1())
        Console.WriteLine($"  [{string.Join(", ", names)}]");

        using IEnumerator<string> gen = Sg1().GetEnumerator();      // gen = sg1(): no line of Sg1 has run
        while (gen.MoveNext())                                      // next(gen)
        {
            Console.WriteLine($"  next: {gen.Current}");
        }

        Console.WriteLine("  MoveNext() returned false: C#'s StopIteration");
    }

    private static IEnumerable<string> Sg1()
    {
        yield return "Jack";
        yield return "Dan";
        yield return "Sam";
        yield return "Teal'c";
    }
    // </snippet:GeneratorsNames>

    // <snippet:GeneratorsNamesOnTheLoop>
    private static void NamesOnTheLoop()
    {
        using var loop = new EventLoop(new VirtualClock());
        var names = new MessageChannel<string>(loop);
        loop.Spawn(Sg1Routine(loop, names), "sg1");
        List<string> list = loop.RunUntilComplete<List<string>>(ToList(names), "list");
        Console.WriteLine($"  [{string.Join(", ", list)}], collected by round {loop.TickCount}");
    }

    // sg1 as a coroutine: one name per step, and the loop runs other coroutines in between.
    private static IEnumerator Sg1Routine(EventLoop loop, MessageChannel<string> names)
    {
        foreach (string name in Sg1())
        {
            Console.WriteLine($"  round {loop.TickCount}: sg1 hands over {name}");
            yield return names.Write(name);
        }

        names.Complete();                                           // the coroutine's StopIteration
    }

    // list(gen) for a coroutine: read until the channel is completed, then return the list.
    private static IEnumerator ToList<T>(MessageChannel<T> source)
    {
        var list = new List<T>();
        ReadWait<T> next = source.Read();
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                break;
            }

            list.Add(next.Value);
        }

        yield return Routine.Return(list);
    }
    // </snippet:GeneratorsNamesOnTheLoop>

    // <snippet:GeneratorsTakeEvens>
    private static void TakeEvens()
    {
        Console.WriteLine($"  take(10, evens) = [{string.Join(", ", Take(10, Evens()))}]");
        Console.WriteLine($"  with LINQ:        [{string.Join(", ", Evens().Take(10))}]");
        // [.. Evens()] would be list(evens()): it never returns.
    }

    private static IEnumerable<int> Evens()
    {
        for (int i = 0; ; i += 2)
        {
            yield return i;
        }
    }

    // take = lambda n, gen: list(islice(gen(), 0, n)), without LINQ: pull n values, then stop pulling.
    private static List<T> Take<T>(int n, IEnumerable<T> source)
    {
        var taken = new List<T>(n);
        using IEnumerator<T> gen = source.GetEnumerator();          // Dispose is gen.close()
        while (taken.Count < n && gen.MoveNext())
        {
            taken.Add(gen.Current);
        }

        return taken;
    }
    // </snippet:GeneratorsTakeEvens>

    // <snippet:GeneratorsTakeEvensOnTheLoop>
    private static void TakeEvensOnTheLoop()
    {
        using var loop = new EventLoop(new VirtualClock());
        var numbers = new MessageChannel<int>(loop, capacity: 1);  // at most one value made ahead of the reader
        Coroutine evens = loop.Spawn(EvensRoutine(numbers), "evens");
        List<int> first = loop.RunUntilComplete<List<int>>(TakeRoutine(10, numbers, evens), "take");
        Console.WriteLine($"  take(10, evens) = [{string.Join(", ", first)}]");
        Console.WriteLine($"  evens: {evens.State} after {evens.Steps} steps");
        if (numbers.TryRead(out int ahead))
        {
            Console.WriteLine($"  made ahead of the reader and never taken: {ahead}");
        }
    }

    private static IEnumerator EvensRoutine(MessageChannel<int> numbers)
    {
        int i = 0;
        try
        {
            while (true)
            {
                yield return numbers.Write(i);                      // waits while the last value is unread
                i += 2;
            }
        }
        finally
        {
            Console.WriteLine("  evens: finally (closed)");
        }
    }

    private static IEnumerator TakeRoutine(int n, MessageChannel<int> source, Coroutine generator)
    {
        var taken = new List<int>(n);
        ReadWait<int> next = source.Read();
        while (taken.Count < n)
        {
            yield return next;
            taken.Add(next.Value);
        }

        generator.Cancel();                                         // gen.close(): its finally runs on its turn
        yield return Wait.Settled(generator);
        yield return Routine.Return(taken);
    }
    // </snippet:GeneratorsTakeEvensOnTheLoop>

    // <snippet:GeneratorsExpressions>
    private static void GeneratorExpressions()
    {
        int computed = 0;
        int Square(int x)
        {
            computed++;
            return x * x;
        }

        List<int> myList = [.. Enumerable.Range(0, 10).Select(Square)];         // [x**2 for x in range(10)]
        Console.WriteLine($"  list: [{string.Join(", ", myList)}], {computed} squares computed");

        computed = 0;
        IEnumerable<int> myGen = from x in Enumerable.Range(0, 10)             // (x**2 for x in range(10) if x % 3 == 0)
                                 where x % 3 == 0
                                 select Square(x);
        Console.WriteLine($"  query created: {computed} squares computed");
        foreach (int square in myGen)
        {
            Console.WriteLine($"  {square} ({computed} computed so far)");
        }
    }
    // </snippet:GeneratorsExpressions>

    // <snippet:GeneratorsYieldFromValues>
    private static void YieldFromValues()
    {
        Console.WriteLine($"  foo():  {string.Join(" ", Foo())}");
        Console.WriteLine($"  chain:  {string.Join(" ", Bar().Concat(Baz()))}");
    }

    private static IEnumerable<int> Bar()
    {
        for (int i = 0; i < 5; i++)
        {
            yield return i;
        }
    }

    private static IEnumerable<int> Baz()
    {
        for (int i = 0; i < 10; i++)
        {
            yield return i;
        }
    }

    private static IEnumerable<int> Foo()
    {
        foreach (int v in Bar())                                    // yield from bar()
        {
            yield return v;
        }

        foreach (int v in Baz())                                    // yield from baz()
        {
            yield return v;
        }
    }
    // </snippet:GeneratorsYieldFromValues>

    // <snippet:GeneratorsMethods>
    private static void GeneratorMethods()
    {
        using var loop = new EventLoop(new VirtualClock());
        var readings = new Mailbox<double>(loop);
        Coroutine averager = loop.Spawn(Averager(readings), "averager");    // a = averager()
        Console.WriteLine($"  spawned: {averager.State}, {averager.Steps} steps");
        loop.Tick();                                                        // next(a): runs to the first yield
        readings.Send(10);                                                  // a.send(10)
        readings.Send(20);                                                  // a.send(20)
        loop.RunUntilIdle();
        readings.Complete(new ArgumentException("sensor unplugged"));       // a.throw(...): raised at the yield
        try
        {
            loop.RunUntilComplete(averager);
        }
        catch (ArgumentException error)                                     // the same instance, not wrapped
        {
            Console.WriteLine($"  throw: {averager.State} with '{error.Message}'");
        }

        var others = new Mailbox<double>(loop);
        Coroutine second = loop.Spawn(Averager(others), "second");
        others.Send(5);
        loop.RunUntilIdle();
        Console.WriteLine($"  close: Cancel() = {second.Cancel()}");        // b.close(): runs no code yet ...
        loop.RunUntilIdle();                                                // ... its next turn runs the finally
        Console.WriteLine($"  close: {second.State}");
    }

    private static IEnumerator Averager(Mailbox<double> readings)
    {
        Console.WriteLine("  averager: started");
        double total = 0;
        int count = 0;
        ReadWait<double> value = readings.Receive();
        try
        {
            while (true)
            {
                yield return value;                                         // value = yield
                total += value.Value;
                count++;
                Console.WriteLine($"  averager: got {value.Value}, average {total / count}");
            }
        }
        finally
        {
            Console.WriteLine($"  averager: finally, count = {count}");
        }
    }
    // </snippet:GeneratorsMethods>
}
