using System.Diagnostics;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Kafka.Ingest;
using CallJoin.Testing;
using Confluent.Kafka;

namespace CallJoin.Kafka.Tests.Ingest;

/// <summary>
/// The ingest path against a bare Confluent.Kafka consume loop (the ceiling), on the same broker and messages.
/// Explicit: a measurement, not a check; run with <c>-explicit only</c>.
/// </summary>
public sealed class IngestThroughputTests(BrokerFixture kafka)
{
    private const int Partitions = 12;
    private const int PerPartition = 3_000;   // 1 KB each: ~3.3 MiB per partition, under the mock's 5 MiB
    private const int Total = 2 * Partitions * PerPartition;
    private const int Rounds = 9;

    [Fact(Explicit = true)]
    public async Task Ingest_throughput_against_a_bare_consume_loop()
    {
        var topics = kafka.CreateTopics(Partitions, "bench-starts", "bench-ends");
        var payload = new byte[1024];
        new Random(42).NextBytes(payload);
        using (var producer = new ProducerBuilder<Null, byte[]>(kafka.ProducerConfig()).Build())
        {
            foreach (var topic in topics)
            {
                for (var i = 0; i < PerPartition; i++)
                {
                    for (var p = 0; p < Partitions; p++)
                    {
                        producer.Produce(new TopicPartition(topic, p), new Message<Null, byte[]> { Value = payload });
                    }
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        foreach (var topic in topics)
        {
            Assert.All(await kafka.EndOffsetsAsync(topic, Partitions), n => Assert.Equal(PerPartition, n));
        }

        var bare = new List<double>();
        var ingest = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            bare.Add(Bare(topics));
            ingest.Add(await IngestAsync(topics[0], topics[1]));
        }

        var bareBest = bare.Max();
        var ingestBest = ingest.Max();
        var bareMedian = bare.Order().ElementAt(Rounds / 2);
        var ingestMedian = ingest.Order().ElementAt(Rounds / 2);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Total} x 1 KB over 2 topics x {Partitions} partitions, {Rounds} alternating rounds (msgs/s)\n" +
            $"bare:   {string.Join(", ", bare.Select(r => r.ToString("N0", null)))} (best {bareBest:N0}, median {bareMedian:N0})\n" +
            $"ingest: {string.Join(", ", ingest.Select(r => r.ToString("N0", null)))} (best {ingestBest:N0}, median {ingestMedian:N0})\n" +
            $"ratio best {ingestBest / bareBest:F2}, median {ingestMedian / bareMedian:F2}");
    }

    /// <summary>The ceiling: assign every partition of both topics and consume byte arrays, nothing else.</summary>
    private double Bare(IReadOnlyList<string> topics)
    {
        var config = kafka.ConsumerConfig(kafka.UniqueName("bench-bare"));
        config.FetchQueueBackoffMs = 50;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        consumer.Assign(topics.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(t, p, Offset.Beginning))));
        var count = 0;
        long bytes = 0;
        var first = 0L;
        while (count < Total)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                if (count == 0)
                {
                    first = Stopwatch.GetTimestamp();
                }

                bytes += result.Message.Value.Length;
                count++;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(first);
        consumer.Close();
        Assert.Equal((long)Total * 1024, bytes);
        return (Total - 1) / elapsed.TotalSeconds;
    }

    /// <summary>The ingest in static mode over all partitions; its handler marks each message durable at once.</summary>
    private async Task<double> IngestAsync(string starts, string ends)
    {
        var handler = new CountingHandler(Total);
        using var ingest = new CoPartitionedIngest(new IngestOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = kafka.UniqueName("bench-ingest"),
            StartTopic = starts,
            EndTopic = ends,
            Ownership = IngestOwnership.Static,
        }, handler);
        ingest.Start();
        await handler.Done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var elapsed = handler.Elapsed;
        ingest.Stop();
        await ingest.Completion;
        Assert.Equal((long)Total * 1024, handler.Bytes);
        Assert.Equal(0, ingest.HeldOffsets);
        return (Total - 1) / elapsed.TotalSeconds;
    }

    private sealed class CountingHandler(int expected) : IIngestHandler
    {
        private long _first;
        private int _count;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TimeSpan Elapsed { get; private set; }

        public long Bytes { get; private set; }

        public bool IsBehind => false;

        public void OnMessage(IIngestContext ingest, CallSide side, int partition, long offset, long timestampMillis, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (_count == 0)
            {
                _first = Stopwatch.GetTimestamp();
            }

            Bytes += value.Length;
            ingest.MarkDurable(side, [new SourcePosition(partition, offset)]);
            if (++_count == expected)
            {
                Elapsed = Stopwatch.GetElapsedTime(_first);
                Done.TrySetResult();
            }
        }

        public void OnIdle(IIngestContext ingest)
        {
        }

        public void OnPartitionsRevoked(IIngestContext ingest, IReadOnlyList<int> partitions)
        {
        }
    }
}
