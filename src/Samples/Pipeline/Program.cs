using System.Collections;
using Scheduler;

namespace Samples.Pipeline;

// Pipeline: producer -> transform -> consumer, each stage a coroutine, joined by bounded MessageChannels. A full
// channel holds the writer back (backpressure), completion flows downstream stage by stage, and every run ends
// with a count check: nothing lost, nothing doubled. docs/samples.md quotes the code between the
// `// <snippet:NAME>` markers verbatim; DocSnippetTests keeps them in step. Every section runs on a VirtualClock,
// so the rounds are the same on every run. Exits with 1 if a check fails.
internal static class Program
{
    private static int s_failures;

    private static int Main()
    {
        Section("Three stages: a slow consumer holds the producer back", ThreeStages);
        Section("Fan-out: three workers share one channel; the next is completed when all are done", FanOut);
        Section("100,000 readings in constant memory: the buffers never grow", Large);
        Console.WriteLine(s_failures == 0 ? "== OK" : $"== {s_failures} checks FAILED");
        return s_failures == 0 ? 0 : 1;
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    private static void Check(bool ok, string what)
    {
        Console.WriteLine($"  {(ok ? "ok" : "FAILED")}: {what}");
        if (!ok)
        {
            s_failures++;
        }
    }

    // <snippet:PipelineThreeStages>
    private static void ThreeStages()
    {
        using var loop = new EventLoop(new VirtualClock());
        var numbers = new MessageChannel<int>(loop, capacity: 2);
        var squares = new MessageChannel<int>(loop, capacity: 2);
        loop.Spawn(Produce(loop, numbers, count: 6), "produce");
        loop.Spawn(Transform(loop, "square", numbers, x => x * x, squares), "square");
        Coroutine<List<int>> consume = loop.Spawn<List<int>>(Consume(loop, squares), "consume");
        loop.RunUntilIdle();

        Console.WriteLine($"  consumed [{string.Join(", ", consume.Result)}] by round {loop.TickCount}");
        Check(consume.Result.SequenceEqual([1, 4, 9, 16, 25, 36]), "six in, six out, in order");
    }

    private static IEnumerator Produce(EventLoop loop, MessageChannel<int> output, int count)
    {
        for (int i = 1; i <= count; i++)
        {
            yield return Put(loop, "produce", output, i);
        }

        output.Complete();                                      // no more numbers; those written stay readable
        Console.WriteLine($"  round {loop.TickCount}: produce: done, output completed");
    }

    private static IEnumerator Transform<TIn, TOut>(
        EventLoop loop, string name, MessageChannel<TIn> input, Func<TIn, TOut> transform, MessageChannel<TOut> output)
    {
        ReadWait<TIn> next = input.Read();
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                break;                                          // the input is completed and drained
            }

            yield return Put(loop, name, output, transform(next.Value));
        }

        output.Complete();                                      // completion flows downstream
        Console.WriteLine($"  round {loop.TickCount}: {name}: input drained, output completed");
    }

    private static IEnumerator Consume(EventLoop loop, MessageChannel<int> input)
    {
        var consumed = new List<int>();
        ReadWait<int> next = input.Read();
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                break;
            }

            Console.WriteLine($"  round {loop.TickCount}: consume: {next.Value}");
            consumed.Add(next.Value);
            yield return Wait.Ticks(3);                         // the slow stage: three rounds per item
        }

        yield return Routine.Return(consumed);
    }

    // Writes item, and says so when the channel is full and the writer has to wait for room.
    private static IEnumerator Put<T>(EventLoop loop, string writer, MessageChannel<T> output, T item)
    {
        if (!output.TryWrite(item))
        {
            Console.WriteLine($"  round {loop.TickCount}: {writer}: held back with {item}, the channel is full");
            yield return output.Write(item);                    // resumes once a reader has made room
            Console.WriteLine($"  round {loop.TickCount}: {writer}: resumes, {item} is in");
        }
    }
    // </snippet:PipelineThreeStages>

    // <snippet:PipelineFanOut>
    private static void FanOut()
    {
        using var loop = new EventLoop(new VirtualClock());
        var orders = new MessageChannel<int>(loop, capacity: 4);
        var invoices = new MessageChannel<(string Worker, int Order)>(loop, capacity: 4);
        loop.Spawn(Orders(orders, count: 30), "orders");
        loop.Spawn(Workers(loop, orders, invoices), "workers");
        Coroutine<List<(string Worker, int Order)>> book = loop.Spawn<List<(string Worker, int Order)>>(Book(invoices), "book");
        loop.RunUntilIdle();

        foreach (var worker in book.Result.GroupBy(invoice => invoice.Worker).OrderBy(group => group.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {worker.Key} handled {worker.Count(),2} orders");
        }

        List<int> handled = [.. book.Result.Select(invoice => invoice.Order).Order()];
        Check(handled.SequenceEqual(Enumerable.Range(1, 30)), $"30 orders in, {handled.Count} invoices out, each order once");
    }

    // Three workers of different speeds read from one channel; readers are served first come, first served.
    private static IEnumerator Workers(EventLoop loop, MessageChannel<int> orders, MessageChannel<(string, int)> invoices)
    {
        var group = new TaskGroup(loop, "workers");
        group.Spawn(Work("fast", rounds: 1, orders, invoices), "fast");
        group.Spawn(Work("medium", rounds: 2, orders, invoices), "medium");
        group.Spawn(Work("slow", rounds: 4, orders, invoices), "slow");
        yield return group.WaitAll();                           // every worker has seen the end of the orders
        invoices.Complete();                                    // only now can no more invoices come
    }

    private static IEnumerator Work(string name, int rounds, MessageChannel<int> orders, MessageChannel<(string, int)> invoices)
    {
        ReadWait<int> order = orders.Read();
        while (true)
        {
            yield return order;
            if (!order.HasValue)
            {
                yield break;
            }

            yield return Wait.Ticks(rounds);
            yield return invoices.Write((name, order.Value));
        }
    }
    // </snippet:PipelineFanOut>

    private static IEnumerator Orders(MessageChannel<int> orders, int count)
    {
        for (int order = 1; order <= count; order++)
        {
            yield return orders.Write(order);
        }

        orders.Complete();
    }

    private static IEnumerator Book(MessageChannel<(string Worker, int Order)> invoices)
    {
        var book = new List<(string Worker, int Order)>();
        ReadWait<(string Worker, int Order)> invoice = invoices.Read();
        while (true)
        {
            yield return invoice;
            if (!invoice.HasValue)
            {
                break;
            }

            book.Add(invoice.Value);
        }

        yield return Routine.Return(book);
    }

    // <snippet:PipelineLarge>
    private static void Large()
    {
        const int Count = 100_000;
        using var loop = new EventLoop(new VirtualClock());
        var readings = new MessageChannel<long>(loop, capacity: 64);
        var scaled = new MessageChannel<long>(loop, capacity: 64);
        var mostBuffered = new int[2];                          // the high-water mark of each channel

        loop.Spawn(Feed(Readings(Count), readings, mostBuffered), "feed");   // the source is an iterator, never a list
        loop.Spawn(Scale(readings, scaled, mostBuffered), "scale");
        Coroutine<(long Count, long Sum)> total = loop.Spawn<(long Count, long Sum)>(Total(scaled), "total");
        long steps = loop.RunUntilIdle();

        Console.WriteLine($"  {total.Result.Count:N0} readings in {steps:N0} steps and {loop.TickCount:N0} rounds");
        Console.WriteLine($"  most buffered at once: {mostBuffered[0]} of 64 before scale, {mostBuffered[1]} of 64 before total");
        Check(total.Result.Count == Count, $"{Count:N0} readings in, {total.Result.Count:N0} out");
        Check(total.Result.Sum == 10L * Count * (Count - 1) / 2, "the sum of the scaled readings is 10 * (0 + 1 + ... + 99,999)");
    }

    private static IEnumerable<long> Readings(int count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return i;                                     // a generator: one reading at a time
        }
    }

    private static IEnumerator Feed(IEnumerable<long> source, MessageChannel<long> output, int[] mostBuffered)
    {
        foreach (long reading in source)
        {
            if (!output.TryWrite(reading))
            {
                yield return output.Write(reading);             // full: wait for the next stage
            }

            mostBuffered[0] = Math.Max(mostBuffered[0], output.Count);
        }

        output.Complete();
    }
    // </snippet:PipelineLarge>

    private static IEnumerator Scale(MessageChannel<long> input, MessageChannel<long> output, int[] mostBuffered)
    {
        ReadWait<long> next = input.Read();
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                output.Complete();
                yield break;
            }

            if (!output.TryWrite(next.Value * 10))
            {
                yield return output.Write(next.Value * 10);
            }

            mostBuffered[1] = Math.Max(mostBuffered[1], output.Count);
        }
    }

    private static IEnumerator Total(MessageChannel<long> input)
    {
        long count = 0;
        long sum = 0;
        ReadWait<long> next = input.Read();
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                break;
            }

            count++;
            sum += next.Value;
        }

        yield return Routine.Return((count, sum));
    }
}
