namespace Scheduler.Tests.Channels;

/// <summary>
/// Conservation under chaos (issue 3, DESIGN.md Known traps): many writers and readers on one channel, readers
/// and writers canceled at random moments (between rounds, and from inside a round right after a write handed an
/// item over), reads raced against timeouts. Every item whose write was confirmed is delivered exactly once or
/// still buffered at the end; no item is delivered twice; nothing appears that was never written. The runs are
/// seeded (<see cref="Random"/> with a fixed seed, printed in every failure message), so a failure replays exactly.
/// </summary>
public class ChannelConservationTests
{
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(42)]
    [TestCase(2024)]
    [TestCase(31337)]
    public void ReadersAndWritersCanceledAtRandom_EveryConfirmedItemDeliveredOnceOrStillBuffered(int seed)
    {
        var run = new ChaosRun(seed);
        run.Execute();

        string where = $"seed {seed} (capacity {run.CapacityText}, {run.Cancels} cancels, {run.CanceledHolders} of readers holding an item, " +
            $"{run.Confirmed.Count} confirmed writes, {run.Delivered.Count} deliveries, {run.Buffered.Count} left buffered)";
        TestContext.Out.WriteLine(where);
        var delivered = new HashSet<int>();
        var duplicates = run.Delivered.Where(item => !delivered.Add(item)).ToList();
        var buffered = new HashSet<int>(run.Buffered);
        var both = delivered.Intersect(buffered).ToList();
        var lost = run.Confirmed.Where(item => !delivered.Contains(item) && !buffered.Contains(item)).ToList();
        var invented = delivered.Union(buffered).Where(item => !run.Attempted.Contains(item)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(duplicates, Is.Empty, $"{where}: delivered twice");
            Assert.That(both, Is.Empty, $"{where}: delivered and still buffered");
            Assert.That(lost, Is.Empty, $"{where}: confirmed writes neither delivered nor buffered");
            Assert.That(invented, Is.Empty, $"{where}: items nobody wrote");
            Assert.That(run.Buffered.Count, Is.EqualTo(buffered.Count), $"{where}: buffered twice");
            Assert.That(run.Cancels, Is.GreaterThan(50), $"{where}: the run must actually cancel readers and writers");
            Assert.That(run.CanceledHolders, Is.GreaterThan(5), $"{where}: some canceled readers must have held an item");
            Assert.That(delivered.Count, Is.GreaterThan(run.Confirmed.Count / 2), $"{where}: most items must flow");
        });
    }

    /// <summary>One seeded run: the loop, the channel, and the bookkeeping of what was written and read.</summary>
    private sealed class ChaosRun(int seed)
    {
        private const int Writers = 6;
        private const int ItemsPerWriter = 400;
        private const int Readers = 5;
        private const int Rounds = 3_000;

        private readonly Random _random = new(seed);
        private readonly List<Coroutine> _readers = [];
        private readonly List<Coroutine> _writers = [];
        private EventLoop _loop = null!;
        private MessageChannel<int> _channel = null!;
        private int _nextWriterId;
        private int _nextReaderId;

        public HashSet<int> Attempted { get; } = [];

        public HashSet<int> Confirmed { get; } = [];

        public List<int> Delivered { get; } = [];

        public List<int> Buffered { get; } = [];

        public int Cancels { get; private set; }

        /// <summary>Readers canceled while an item was on its way to them (the case that loses items in other schedulers).</summary>
        public int CanceledHolders { get; private set; }

        public string CapacityText => _channel.Capacity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unbounded";

        public void Execute()
        {
            using var loop = new EventLoop(new VirtualClock());
            _loop = loop;
            int capacity = _random.Next(0, 5); // 0: unbounded
            _channel = capacity == 0 ? new MessageChannel<int>(loop) : new MessageChannel<int>(loop, capacity);
            for (int i = 0; i < Writers; i++)
            {
                SpawnWriter(ItemsPerWriter);
            }

            for (int i = 0; i < Readers; i++)
            {
                SpawnReader();
            }

            Coroutine chaos = loop.Spawn(Chaos(), "chaos");
            for (int round = 0; round < Rounds; round++)
            {
                if (_random.Next(4) == 0)
                {
                    CancelSomeone(); // between rounds: the victim may hold an item handed over last round
                }

                loop.Tick();
            }

            // Stop: the writers go (a canceled writer's item was either written or never confirmed). Half the runs
            // let the readers drain the channel after completion; the other half cancel them first, so items stay
            // buffered (and those handed to a reader come back). Whatever is left is counted as buffered.
            chaos.Cancel();
            foreach (Coroutine writer in _writers)
            {
                writer.Cancel();
            }

            if (_random.Next(2) == 0)
            {
                foreach (Coroutine reader in _readers)
                {
                    reader.Cancel();
                }
            }

            _channel.Complete();
            loop.RunUntilIdle(maxSteps: 1_000_000);
            Assert.That(_readers.Where(static r => !r.IsEnded), Is.Empty, $"seed {seed}: every reader saw completion or was canceled");
            Assert.That(_channel.InFlightCount, Is.Zero, $"seed {seed}: an item is still in flight after every reader ended");
            while (_channel.TryRead(out int item))
            {
                Buffered.Add(item);
            }
        }

        private void SpawnWriter(int items)
        {
            int id = _nextWriterId++;
            _writers.Add(_loop.Spawn(Write(id, items), $"writer{id}"));
        }

        private void SpawnReader()
        {
            int id = _nextReaderId++;
            _readers.Add(_loop.Spawn(Read(), $"reader{id}"));
        }

        private void CancelSomeone()
        {
            _readers.RemoveAll(static c => c.IsEnded);
            _writers.RemoveAll(static c => c.IsEnded);
            if (_random.Next(5) == 0 && _writers.Count > 0)
            {
                Coroutine writer = _writers[_random.Next(_writers.Count)];
                if (writer.Cancel())
                {
                    Cancels++;
                    SpawnWriter(ItemsPerWriter / 4);
                }

                return;
            }

            if (_readers.Count == 0)
            {
                SpawnReader();
                return;
            }

            Coroutine reader = _readers[_random.Next(_readers.Count)];
            bool holdsItem = (reader._flags & CoroutineFlags.HoldsGrant) != 0;
            if (reader.Cancel())
            {
                Cancels++;
                if (holdsItem)
                {
                    CanceledHolders++;
                }

                SpawnReader();
            }
        }

        private IEnumerator Write(int writer, int items)
        {
            for (int k = 0; k < items; k++)
            {
                int item = (writer * 100_000) + k;
                Attempted.Add(item);
                switch (_random.Next(3))
                {
                    case 0:
                        if (_channel.TryWrite(item))
                        {
                            Confirmed.Add(item);
                        }

                        yield return null;
                        break;
                    case 1:
                        yield return _channel.Write(item);
                        Confirmed.Add(item); // resumed: the write happened
                        break;
                    default:
                        var any = Wait.Any(_channel.Write(item), Wait.Ticks(1 + _random.Next(3)));
                        yield return any;
                        if (any.FiredIndex == 0)
                        {
                            Confirmed.Add(item);
                        }

                        break;
                }

                if (_random.Next(4) == 0)
                {
                    yield return Wait.Ticks(1 + _random.Next(3));
                }
            }
        }

        private IEnumerator Read()
        {
            ReadWait<int> read = _channel.Read();
            while (true)
            {
                switch (_random.Next(4))
                {
                    case 0:
                        if (_channel.TryRead(out int item))
                        {
                            Delivered.Add(item);
                        }
                        else if (_channel.IsDrained)
                        {
                            yield break;
                        }

                        yield return null;
                        break;
                    case 1:
                        yield return Wait.Any(read, Wait.Ticks(1 + _random.Next(3)));
                        if (read.HasValue)
                        {
                            Delivered.Add(read.Value);
                        }
                        else if (_channel.IsDrained)
                        {
                            yield break;
                        }

                        break;
                    default:
                        yield return read;
                        if (!read.HasValue)
                        {
                            yield break; // completed and drained
                        }

                        Delivered.Add(read.Value);
                        break;
                }

                if (_random.Next(3) == 0)
                {
                    yield return Wait.Ticks(1 + _random.Next(2));
                }
            }
        }

        // Cancels from inside a round: after the writers that ran before it this round handed items over.
        private IEnumerator Chaos()
        {
            while (true)
            {
                if (_random.Next(3) == 0)
                {
                    CancelSomeone();
                }

                yield return null;
            }
        }
    }
}
