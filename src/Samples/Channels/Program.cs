using System.Collections;
using Scheduler;

namespace Samples.Channels;

// Channels: passing values between coroutines (MessageChannel<T>) and into a coroutine from anywhere
// (Mailbox<T>, the seed's generator.send). Each section is one static method and the routines it runs; the docs
// (docs/channels.md) quote the code between the `// <snippet:NAME>` markers verbatim, and DocSnippetTests keeps
// them in step. Every section runs on a VirtualClock except the one about threads.
internal static class Program
{
    private static void Main()
    {
        Section("Producer and consumer: a bounded channel holds the producer back", ProducerConsumer);
        Section("Completion with an error reaches the consumer", CompletionWithError);
        Section("send(): my_coro receives what it is sent, no priming", MyCoro);
        Section("An echo coroutine: requests in a mailbox, replies in another", Echo);
        Section("Sending from other threads", SendFromThreads);
        Section("A read with a timeout", ReadWithTimeout);
        Section("A canceled reader loses nothing", CanceledReader);
    }

    private static void Section(string title, Action demo)
    {
        Console.WriteLine($"== {title}");
        demo();
        Console.WriteLine();
    }

    // <snippet:ChannelsProducerConsumer>
    private static void ProducerConsumer()
    {
        using var loop = new EventLoop(new VirtualClock());
        var jobs = new MessageChannel<int>(loop, capacity: 2);     // at most two jobs waiting
        loop.Spawn(Producer(loop, jobs), "producer");
        loop.Spawn(Consumer(loop, jobs), "consumer");
        loop.RunUntilIdle();
    }

    private static IEnumerator Producer(EventLoop loop, MessageChannel<int> jobs)
    {
        for (int job = 1; job <= 5; job++)
        {
            yield return jobs.Write(job);                            // waits while the channel is full
            Console.WriteLine($"  round {loop.TickCount}: wrote job {job}");
        }

        jobs.Complete();                                             // no more jobs; the queued ones stay readable
        Console.WriteLine($"  round {loop.TickCount}: producer done");
    }

    private static IEnumerator Consumer(EventLoop loop, MessageChannel<int> jobs)
    {
        yield return Wait.Ticks(3);                                  // a slow start: the channel fills up
        ReadWait<int> next = jobs.Read();                            // one read wait, yielded for every job
        while (true)
        {
            yield return next;
            if (!next.HasValue)
            {
                Console.WriteLine($"  round {loop.TickCount}: no more jobs");
                yield break;
            }

            Console.WriteLine($"  round {loop.TickCount}:   took job {next.Value}");
        }
    }
    // </snippet:ChannelsProducerConsumer>

    // <snippet:ChannelsCompletionError>
    private static void CompletionWithError()
    {
        using var loop = new EventLoop(new VirtualClock());
        var lines = new MessageChannel<string>(loop);
        loop.Spawn(Reader(lines), "reader");
        Coroutine printer = loop.Spawn(Printer(lines), "printer");
        try
        {
            loop.RunUntilComplete(printer);
        }
        catch (IOException error)                                    // the reader's own exception, not wrapped
        {
            Console.WriteLine($"  printer {printer.State}: {error.Message}");
        }
    }

    private static IEnumerator Reader(MessageChannel<string> lines)
    {
        lines.TryWrite("first line");
        lines.TryWrite("second line");
        lines.Complete(new IOException("disk unplugged"));          // the lines written so far are still delivered
        yield break;
    }

    private static IEnumerator Printer(MessageChannel<string> lines)
    {
        ReadWait<string> line = lines.Read();
        try
        {
            while (true)
            {
                yield return line;                                   // faults here once the lines run out
                Console.WriteLine($"  printer: {(line.HasValue ? line.Value : "(end)")}");
            }
        }
        finally
        {
            Console.WriteLine("  printer: finally");
        }
    }
    // </snippet:ChannelsCompletionError>

    // <snippet:ChannelsMyCoro>
    private static void MyCoro()
    {
        using var loop = new EventLoop(new VirtualClock());
        var inbox = new Mailbox<string>(loop);
        loop.Spawn(MyCoro(inbox), "my_coro");                        // c = my_coro(): nothing runs yet
        inbox.Send("spam");                                          // c.send('spam'): no next(c) first
        inbox.Send("eggs");
        loop.RunUntilIdle();
        inbox.Complete();                                            // c.close()
        loop.RunUntilIdle();
    }

    private static IEnumerator MyCoro(Mailbox<string> inbox)
    {
        Console.WriteLine("  My first co-routine!");
        Console.WriteLine("  Send me a value ...");
        ReadWait<string> val = inbox.Receive();
        while (true)
        {
            yield return val;                                        // val = yield
            if (!val.HasValue)
            {
                Console.WriteLine("  (closed)");
                yield break;
            }

            Console.WriteLine($"  {val.Value}");
        }
    }
    // </snippet:ChannelsMyCoro>

    // <snippet:ChannelsEcho>
    private static void Echo()
    {
        using var loop = new EventLoop(new VirtualClock());
        var requests = new Mailbox<string>(loop);
        var replies = new Mailbox<string>(loop);
        loop.Spawn(EchoServer(requests, replies), "echo");
        loop.Spawn(Client(loop, requests, replies), "client");
        loop.RunUntilIdle();
    }

    private static IEnumerator EchoServer(Mailbox<string> requests, Mailbox<string> replies)
    {
        ReadWait<string> request = requests.Receive();
        while (true)
        {
            yield return request;
            if (!request.HasValue)
            {
                yield break;                                         // the client hung up
            }

            replies.Send(request.Value.ToUpperInvariant());
        }
    }

    private static IEnumerator Client(EventLoop loop, Mailbox<string> requests, Mailbox<string> replies)
    {
        ReadWait<string> reply = replies.Receive();
        foreach (string word in new[] { "ping", "hello", "bye" })
        {
            requests.Send(word);
            yield return reply;                                      // the echo runs, then we do
            Console.WriteLine($"  round {loop.TickCount}: sent {word}, got {reply.Value}");
        }

        requests.Complete();
    }
    // </snippet:ChannelsEcho>

    // <snippet:ChannelsSendFromThreads>
    private static void SendFromThreads()
    {
        using var loop = new EventLoop();                            // the real clock: Run sleeps until a send
        var readings = new Mailbox<(int Sensor, int Value)>(loop);
        Coroutine<int> total = loop.Spawn<int>(Sum(readings, expected: 300), "sum");

        var sensors = Enumerable.Range(0, 3).Select(sensor => new Thread(() =>
        {
            for (int value = 1; value <= 100; value++)
            {
                readings.Send((sensor, value));                      // safe from any thread, never blocks
            }
        })).ToList();
        sensors.ForEach(thread => thread.Start());
        loop.RunUntilComplete(total);
        sensors.ForEach(thread => thread.Join());
        Console.WriteLine($"  sum of 300 readings from 3 threads: {total.Result}");
    }

    private static IEnumerator Sum(Mailbox<(int Sensor, int Value)> readings, int expected)
    {
        ReadWait<(int Sensor, int Value)> reading = readings.Receive();
        int[] last = new int[3];
        int sum = 0;
        for (int i = 0; i < expected; i++)
        {
            yield return reading;
            (int sensor, int value) = reading.Value;
            if (value != last[sensor] + 1)
            {
                throw new InvalidOperationException($"sensor {sensor}: {value} after {last[sensor]}");
            }

            last[sensor] = value;                                    // each sender's values arrive in order
            sum += value;
        }

        yield return Routine.Return(sum);
    }
    // </snippet:ChannelsSendFromThreads>

    // <snippet:ChannelsReadWithTimeout>
    private static void ReadWithTimeout()
    {
        var clock = new VirtualClock { AutoAdvance = true };
        using var loop = new EventLoop(clock);
        var answers = new MessageChannel<string>(loop);
        loop.Spawn(Ask(clock, answers), "asker");
        loop.Spawn(SlowAnswer(answers), "answerer");
        loop.RunUntilIdle();
    }

    private static IEnumerator Ask(VirtualClock clock, MessageChannel<string> answers)
    {
        ReadWait<string> answer = answers.Read();
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            AnyWait first = Wait.Any(answer, Wait.For(TimeSpan.FromSeconds(1)));
            yield return first;
            if (first.FiredIndex == 0)
            {
                Console.WriteLine($"  {clock.Elapsed.TotalMilliseconds} ms: answer '{answer.Value}'");
                yield break;
            }

            Console.WriteLine($"  {clock.Elapsed.TotalMilliseconds} ms: attempt {attempt} timed out");   // the read was withdrawn
        }
    }

    private static IEnumerator SlowAnswer(MessageChannel<string> answers)
    {
        yield return Wait.For(TimeSpan.FromSeconds(2.5));
        answers.TryWrite("42");
    }
    // </snippet:ChannelsReadWithTimeout>

    // <snippet:ChannelsCanceledReader>
    private static void CanceledReader()
    {
        using var loop = new EventLoop(new VirtualClock());
        var work = new MessageChannel<string>(loop);
        Coroutine first = loop.Spawn(Worker(work, "first"), "first");
        loop.Spawn(Worker(work, "second"), "second");
        loop.Tick();                                                 // both wait, first in line

        work.TryWrite("job A");                                      // handed to 'first', which runs next round
        Console.WriteLine($"  TryRead steals it: {work.TryRead(out _)}");
        first.Cancel();                                              // canceled before it ran
        loop.RunUntilIdle();                                         // 'job A' passes to 'second'
    }

    private static IEnumerator Worker(MessageChannel<string> work, string name)
    {
        ReadWait<string> job = work.Read();
        try
        {
            yield return job;
            Console.WriteLine($"  {name} got {job.Value}");
        }
        finally
        {
            Console.WriteLine($"  {name}: finally");
        }
    }
    // </snippet:ChannelsCanceledReader>
}
