using Confluent.Kafka;

namespace CallJoin.Bench.Compare;

/// <summary>Reads every partition of some topics from offset 0 to its end with a bare consumer (assigned, no group).</summary>
internal static class BacklogReader
{
    /// <summary>
    /// The messages of <paramref name="topics"/> (<paramref name="partitions"/> each) in the order the consumer hands
    /// them over, until every partition has reported its end; stop early by leaving the loop.
    /// </summary>
    public static IEnumerable<Message<byte[], byte[]>> Read(string bootstrap, IReadOnlyList<string> topics, int partitions, CancellationToken ct)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "compare-backlog",   // required by the client; nothing is committed
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchQueueBackoffMs = 10,   // the default 1000 makes a fast consumer wait on its own full queue
            FetchWaitMaxMs = 50,        // a fetch at the end waits this long for data before the partition's end is seen
        };
        var assignment = topics.SelectMany(t => Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(t, p, Offset.Beginning))).ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(assignment);
        var atEnd = new HashSet<TopicPartition>();
        while (atEnd.Count < assignment.Count)
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

            yield return result.Message;
        }
    }
}
