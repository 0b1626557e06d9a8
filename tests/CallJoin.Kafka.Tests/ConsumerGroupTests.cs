using System.Collections.Concurrent;
using CallJoin.Testing;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace CallJoin.Kafka.Tests;

/// <summary>What the join relies on from Kafka, checked against the embedded broker with Confluent.Kafka clients.</summary>
public sealed class ConsumerGroupTests(BrokerFixture kafka)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Keyed_halves_on_co_partitioned_topics_reach_the_same_consumer_in_the_same_partition()
    {
        const int Partitions = 6;
        const int Calls = 1_000;
        var topics = kafka.CreateTopics(Partitions, "starts", "ends");
        var group = kafka.UniqueName("joiners");
        using var safety = SafetyNet();

        using var first = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build();
        using var second = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build();
        IConsumer<string, string>[] consumers = [first, second];
        foreach (var consumer in consumers)
        {
            consumer.Subscribe(topics);
        }

        // Let the group settle before producing, so no rebalance moves partitions (and redelivers) mid-test.
        while (consumers.Any(c => c.Assignment.Count == 0) || consumers.Sum(c => c.Assignment.Count) != 2 * Partitions)
        {
            Assert.False(safety.IsCancellationRequested, "the two consumers never shared the partitions");
            foreach (var consumer in consumers)
            {
                Assert.Null(consumer.Consume(Poll));
            }
        }

        // The range assignor gives a consumer the same partition numbers of every topic it reads.
        foreach (var consumer in consumers)
        {
            var byTopic = consumer.Assignment.GroupBy(tp => tp.Topic).ToDictionary(g => g.Key, g => g.Select(tp => tp.Partition.Value).Order().ToArray());
            Assert.Equal(byTopic[topics[0]], byTopic[topics[1]]);
        }

        var keys = Enumerable.Range(0, Calls).Select(i => $"call-{i:D5}").ToArray();
        Dictionary<string, int> startPartitions, endPartitions;
        using (var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).Build())
        {
            startPartitions = await ProduceAsync(producer, topics[0], keys, safety.Token);
            endPartitions = await ProduceAsync(producer, topics[1], keys, safety.Token);
        }

        Assert.Equal(startPartitions, endPartitions);
        Assert.Equal(Partitions, startPartitions.Values.Distinct().Count());

        // One consume loop per consumer on its own thread, as the service runs them; the last message stops both.
        var seen = new ConcurrentDictionary<(string Topic, string Key), (int Consumer, int Partition)>();
        var duplicates = new ConcurrentQueue<TopicPartitionOffset>();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(safety.Token);
        await Task.WhenAll(consumers.Select((consumer, i) => Task.Run(() => ConsumeUntilCancelled(consumer, result =>
        {
            if (!seen.TryAdd((result.Topic, result.Message.Key), (i, result.Partition.Value)))
            {
                duplicates.Enqueue(result.TopicPartitionOffset);
            }

            if (seen.Count == 2 * Calls)
            {
                done.Cancel();
            }
        }, done.Token))));

        Assert.False(safety.IsCancellationRequested, $"only {seen.Count} of {2 * Calls} messages arrived");
        Assert.Empty(duplicates);
        foreach (var key in keys)
        {
            var start = seen[(topics[0], key)];
            var end = seen[(topics[1], key)];
            Assert.Equal(start, end);
            Assert.Equal(startPartitions[key], start.Partition);
        }

        Assert.All(Enumerable.Range(0, consumers.Length), i => Assert.Contains(seen.Values, v => v.Consumer == i));
        foreach (var topic in topics)
        {
            Assert.Equal(Calls, await CountMessagesAsync(topic, Partitions));
        }

        // Leave together: one member leaving alone would make the mock hold the other in a rebalance.
        await Task.WhenAll(consumers.Select(c => Task.Run(c.Close)));
    }

    [Fact]
    public async Task Committed_offsets_survive_a_consumer_restart()
    {
        const int Partitions = 3;
        const int Total = 300;
        const int ConsumedFirst = 120;
        var topic = kafka.CreateTopic("restart", Partitions);
        var group = kafka.UniqueName("restarting");
        using var safety = SafetyNet();

        var keys = Enumerable.Range(0, Total).Select(i => $"call-{i:D5}").ToArray();
        using (var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).Build())
        {
            await ProduceAsync(producer, topic, keys, safety.Token);
        }

        var firstRun = new List<ConsumeResult<string, string>>();
        List<TopicPartitionOffset> commits;
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build())
        {
            consumer.Subscribe(topic);
            while (firstRun.Count < ConsumedFirst)
            {
                Assert.False(safety.IsCancellationRequested, $"the first consumer got only {firstRun.Count} of {ConsumedFirst}");
                if (consumer.Consume(Poll) is { } result)
                {
                    firstRun.Add(result);
                }
            }

            // Commit exactly what was handed to us (the next offset to read per partition), not what was prefetched.
            commits = [.. firstRun.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1))];
            consumer.Commit(commits);
            consumer.Close();
        }

        var committed = commits.ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
        var secondRun = new List<ConsumeResult<string, string>>();
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build())
        {
            var all = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();
            var stored = consumer.Committed(all, RequestTimeout).Where(c => c.Offset != Offset.Unset).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
            Assert.Equal(committed, stored);

            consumer.Subscribe(topic);
            while (secondRun.Count < Total - ConsumedFirst)
            {
                Assert.False(safety.IsCancellationRequested, $"the second consumer got only {secondRun.Count} of {Total - ConsumedFirst}");
                if (consumer.Consume(Poll) is { } result)
                {
                    secondRun.Add(result);
                }
            }

            // Each partition resumes exactly at its committed offset (or the start, if nothing was committed there).
            foreach (var partition in secondRun.GroupBy(r => r.Partition.Value))
            {
                Assert.Equal(committed.GetValueOrDefault(partition.Key, 0), partition.Min(r => r.Offset.Value));
            }

            Assert.Equal(Total, await CountMessagesAsync(topic, Partitions));
            consumer.Close();
        }

        var firstKeys = firstRun.Select(r => r.Message.Key).ToList();
        var secondKeys = secondRun.Select(r => r.Message.Key).ToList();
        Assert.Equal(ConsumedFirst, firstKeys.Distinct().Count());
        Assert.Equal(Total - ConsumedFirst, secondKeys.Distinct().Count());
        Assert.Empty(firstKeys.Intersect(secondKeys));
        Assert.Equal(keys, firstKeys.Concat(secondKeys).Order(StringComparer.Ordinal));
    }

    private static async Task<Dictionary<string, int>> ProduceAsync(IProducer<string, string> producer, string topic, string[] keys, CancellationToken ct)
    {
        var sends = keys.Select(k => producer.ProduceAsync(topic, new Message<string, string> { Key = k, Value = $"{topic}/{k}" }, ct));
        var results = await Task.WhenAll(sends);
        Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        return results.ToDictionary(r => r.Message.Key, r => r.Partition.Value);
    }

    private static void ConsumeUntilCancelled(IConsumer<string, string> consumer, Action<ConsumeResult<string, string>> handle, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                handle(consumer.Consume(ct));
            }
        }
        catch (OperationCanceledException)
        {
            // Done (or the safety net fired; the caller checks which).
        }
    }

    /// <summary>The sum of the topic's end offsets: how many messages it holds (no compaction or deletion on the mock).</summary>
    private async Task<long> CountMessagesAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var specs = Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, p), OffsetSpec = OffsetSpec.Latest() });
        var result = await admin.ListOffsetsAsync(specs, new ListOffsetsOptions { RequestTimeout = RequestTimeout });
        return result.ResultInfos.Sum(r => r.TopicPartitionOffsetError.Offset.Value);
    }

    /// <summary>Fails a hung test instead of letting it hang; never a performance assertion.</summary>
    private static CancellationTokenSource SafetyNet()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        return cts;
    }
}
