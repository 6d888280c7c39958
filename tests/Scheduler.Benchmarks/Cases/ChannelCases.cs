using System.Collections;
using System.Threading.Channels;
using Scheduler.Benchmarks.Harness;
using Scheduler.Benchmarks.References;

namespace Scheduler.Benchmarks.Cases;

/// <summary>
/// Channels: <see cref="MessageChannel{T}"/> between coroutines against <see cref="Channel{T}"/> between async
/// methods on a one-thread context (single reader, single writer: the BCL's fastest configuration).
/// </summary>
/// <remarks>
/// <para>Ping-pong: an item bounces between two tasks through two unbounded channels; every read waits, on both
/// sides. Operation: one round trip.</para>
/// <para>Pipeline: a producer, a transformer and a consumer joined by two bounded channels (capacity 64). Each
/// side uses the same shape, the fast path both APIs offer: take or put an item without waiting while it can
/// (<c>TryRead</c>/<c>TryWrite</c>), and wait only when the channel is empty or full (a reused
/// <see cref="ReadWait{T}"/> and <see cref="MessageChannel{T}.Write"/> for ours; <c>WaitToReadAsync</c> and
/// <c>WriteAsync</c> for the BCL's). Operation: one item through all three stages.</para>
/// </remarks>
internal static class ChannelCases
{
    public const int RoundTrips = 100_000;
    public const int Items = 200_000;
    public const int Capacity = 64;

    public static IEnumerable<ComparisonCase> Quick()
    {
        yield return new ComparisonCase
        {
            Id = "channel-ping-pong",
            Workload = "channel ping-pong (unbounded, every read waits)",
            Label = "2 tasks",
            Operation = "round trip",
            Ours = PingPongLoop(),
            References = [new ReferenceSpec(PingPongAsync(), new Target("faster (< 1.00), 0 B", 1.0, Strict: true, ZeroBytes: true))],
            Size = RoundTrips,
            Miniatures = static () => [(PingPongLoop(), 16), (PingPongAsync(), 16)],
        };
        yield return new ComparisonCase
        {
            Id = "channel-pipeline",
            Workload = "3-stage pipeline (bounded, capacity 64)",
            Label = "3 tasks",
            Operation = "item",
            Ours = PipelineLoop(),
            References = [new ReferenceSpec(PipelineAsync(), new Target("faster (< 1.00), 0 B", 1.0, Strict: true, ZeroBytes: true))],
            Size = Items,
            Miniatures = static () => [(PipelineLoop(), 2 * Capacity), (PipelineAsync(), 2 * Capacity)],
        };
    }

    public static Contender PingPongLoop() => new("EventLoop: MessageChannel", roundTrips =>
    {
        var loop = new EventLoop(new VirtualClock());
        var there = new MessageChannel<int>(loop);
        var back = new MessageChannel<int>(loop);
        var result = new Box();
        loop.Spawn(Ping(there, back, roundTrips, result));
        loop.Spawn(Pong(there, back, roundTrips));
        return new Prepared(
            () =>
            {
                loop.RunUntilIdle();
                return StepCases.Check(result.Value, roundTrips, "loop ping-pong");
            },
            loop.Dispose);
    });

    public static Contender PingPongAsync() => new("async: System.Threading.Channels, one-thread context", roundTrips =>
    {
        var context = new OneThreadContext();
        var options = new UnboundedChannelOptions { SingleReader = true, SingleWriter = true };
        Channel<int> there = Channel.CreateUnbounded<int>(options);
        Channel<int> back = Channel.CreateUnbounded<int>(options);
        var result = new Box();
        Task[] running = [];
        return new Prepared(() =>
        {
            using (context.Enter())
            {
                running = [PingAsync(there, back, roundTrips, result), PongAsync(there, back, roundTrips)];
            }

            context.RunUntilEmpty();
            AsyncCases.CheckAllCompleted(running);
            return StepCases.Check(result.Value, roundTrips, "async ping-pong");
        });
    });

    public static Contender PipelineLoop() => new("EventLoop: MessageChannel", items =>
    {
        var loop = new EventLoop(new VirtualClock());
        var first = new MessageChannel<int>(loop, Capacity);
        var second = new MessageChannel<int>(loop, Capacity);
        var result = new Box();
        loop.Spawn(Produce(first, items));
        loop.Spawn(Transform(first, second));
        loop.Spawn(Consume(second, result));
        return new Prepared(
            () =>
            {
                loop.RunUntilIdle();
                return CheckPipeline(result, items);
            },
            loop.Dispose);
    });

    public static Contender PipelineAsync() => new("async: System.Threading.Channels, one-thread context", items =>
    {
        var context = new OneThreadContext();
        var options = new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait };
        Channel<int> first = Channel.CreateBounded<int>(options);
        Channel<int> second = Channel.CreateBounded<int>(options);
        var result = new Box();
        Task[] running = [];
        return new Prepared(() =>
        {
            using (context.Enter())
            {
                running = [ProduceAsync(first, items), TransformAsync(first, second), ConsumeAsync(second, result)];
            }

            context.RunUntilEmpty();
            AsyncCases.CheckAllCompleted(running);
            return CheckPipeline(result, items);
        });
    });

    private static long CheckPipeline(Box result, int items)
    {
        long expected = (long)items * (items - 1); // the sum of 2 * i over 0 .. items - 1
        return result.Value == expected
            ? items
            : throw new InvalidOperationException($"The pipeline delivered a sum of {result.Value}; expected {expected}.");
    }

    private static IEnumerator Ping(MessageChannel<int> there, MessageChannel<int> back, int roundTrips, Box result)
    {
        ReadWait<int> reply = back.Read();
        int value = 0;
        for (int i = 0; i < roundTrips; i++)
        {
            there.TryWrite(value);
            yield return reply;
            value = reply.Value + 1;
        }

        result.Value = value;
    }

    private static IEnumerator Pong(MessageChannel<int> there, MessageChannel<int> back, int roundTrips)
    {
        ReadWait<int> request = there.Read();
        for (int i = 0; i < roundTrips; i++)
        {
            yield return request;
            back.TryWrite(request.Value);
        }
    }

    private static async Task PingAsync(Channel<int> there, Channel<int> back, int roundTrips, Box result)
    {
        int value = 0;
        for (int i = 0; i < roundTrips; i++)
        {
            there.Writer.TryWrite(value);
            value = await back.Reader.ReadAsync() + 1;
        }

        result.Value = value;
    }

    private static async Task PongAsync(Channel<int> there, Channel<int> back, int roundTrips)
    {
        for (int i = 0; i < roundTrips; i++)
        {
            back.Writer.TryWrite(await there.Reader.ReadAsync());
        }
    }

    private static IEnumerator Produce(MessageChannel<int> output, int items)
    {
        for (int i = 0; i < items; i++)
        {
            if (!output.TryWrite(i))
            {
                yield return output.Write(i); // full: waits for room, then the item is in
            }
        }

        output.Complete();
    }

    private static IEnumerator Transform(MessageChannel<int> input, MessageChannel<int> output)
    {
        ReadWait<int> read = input.Read();
        while (true)
        {
            if (!input.TryRead(out int item))
            {
                yield return read;
                if (!read.HasValue)
                {
                    break;
                }

                item = read.Value;
            }

            if (!output.TryWrite(item * 2))
            {
                yield return output.Write(item * 2);
            }
        }

        output.Complete();
    }

    private static IEnumerator Consume(MessageChannel<int> input, Box result)
    {
        ReadWait<int> read = input.Read();
        long sum = 0;
        while (true)
        {
            if (!input.TryRead(out int item))
            {
                yield return read;
                if (!read.HasValue)
                {
                    break;
                }

                item = read.Value;
            }

            sum += item;
        }

        result.Value = sum;
    }

    private static async Task ProduceAsync(Channel<int> output, int items)
    {
        for (int i = 0; i < items; i++)
        {
            if (!output.Writer.TryWrite(i))
            {
                await output.Writer.WriteAsync(i);
            }
        }

        output.Writer.Complete();
    }

    private static async Task TransformAsync(Channel<int> input, Channel<int> output)
    {
        while (true)
        {
            if (!input.Reader.TryRead(out int item))
            {
                if (!await input.Reader.WaitToReadAsync())
                {
                    break;
                }

                continue;
            }

            if (!output.Writer.TryWrite(item * 2))
            {
                await output.Writer.WriteAsync(item * 2);
            }
        }

        output.Writer.Complete();
    }

    private static async Task ConsumeAsync(Channel<int> input, Box result)
    {
        long sum = 0;
        while (true)
        {
            if (!input.Reader.TryRead(out int item))
            {
                if (!await input.Reader.WaitToReadAsync())
                {
                    break;
                }

                continue;
            }

            sum += item;
        }

        result.Value = sum;
    }

    private sealed class Box
    {
        public long Value;
    }
}
