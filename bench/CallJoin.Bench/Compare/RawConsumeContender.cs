using CallJoin.Core;
using Confluent.Kafka;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>raw-consume</c>: a bare Confluent.Kafka consumer reading both topics from offset 0 to the end, touching every key
/// and value and doing nothing else: the ceiling any Kafka-fed contender can reach on this broker and machine.
/// </summary>
/// <remarks>Assigned every partition directly (no group, no rebalance wait); measured in the harness's process.</remarks>
internal sealed class RawConsumeContender : ICompareContender
{
    public string Name => "raw-consume";

    public Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct) => Task.Run(() => Consume(data, ct), ct);

    private ContenderResult Consume(CompareData data, CancellationToken ct)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = data.Broker.BootstrapServers,
            GroupId = "compare-raw",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchQueueBackoffMs = 10,   // the default 1000 makes a fast consumer wait on its own full queue
            FetchWaitMaxMs = 50,        // a fetch at the end waits this long for data before the partition's end is seen
        };
        var partitions = new[] { WeaveTopics.CallStarted, WeaveTopics.CallEnded }
            .SelectMany(t => Enumerable.Range(0, data.Partitions).Select(p => new TopicPartitionOffset(t, p, Offset.Beginning)))
            .ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var meter = InProcessMeter.Start();
        consumer.Assign(partitions);
        long records = 0, bytes = 0;
        var atEnd = new HashSet<TopicPartition>();
        while (atEnd.Count < partitions.Count)
        {
            ct.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.TopicPartition);
                continue;
            }

            records++;
            bytes += (result.Message.Key?.Length ?? 0) + (result.Message.Value?.Length ?? 0);
        }

        var expected = data.Expected.Messages;
        var correct = records == expected && bytes == data.InputBytes;
        return meter.Stop(Name, data.Variant, records, bytes, correct,
            correct ? "every message read once" : $"read {records:N0} messages ({bytes:N0} B), expected {expected:N0} ({data.InputBytes:N0} B)");
    }
}
