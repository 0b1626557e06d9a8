using System.Runtime.CompilerServices;
using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;
using CallJoin.Testing;
using Confluent.Kafka;

namespace CallJoin.Kafka.Tests.Ingest;

/// <summary>The ingest against the embedded broker: co-partitioning in both modes, safe restarts, pausing, bad messages.</summary>
public sealed class CoPartitionedIngestTests(BrokerFixture kafka)
{
    [Fact]
    public async Task Static_replicas_each_read_their_partitions_of_both_topics_and_together_everything_once()
    {
        const int Partitions = 4;
        const int PerPartition = 200;
        var (starts, ends) = Topics(Partitions);
        await ProduceAsync(starts, Partitions, PerPartition);
        await ProduceAsync(ends, Partitions, PerPartition);
        using var safety = SafetyNet();
        var group = kafka.UniqueName("static");

        var handlers = new[] { new RecordingHandler(), new RecordingHandler() };
        var ingests = handlers.Select((h, i) => Start(h, Options(starts, ends, group) with { Ownership = IngestOwnership.Static, Ordinal = i, Replicas = 2 })).ToArray();
        await WaitUntilAsync(() => handlers.Sum(h => h.Messages.Count) >= 2 * Partitions * PerPartition, safety.Token);
        StopAll(ingests);

        for (var i = 0; i < 2; i++)
        {
            int[] mine = [i, i + 2];
            Assert.Equal(mine, ingests[i].Assignment.StartPartitions);
            Assert.Equal(mine, ingests[i].Assignment.EndPartitions);
            Assert.All(handlers[i].Messages, m => Assert.Equal(i, m.Partition % 2));
            Assert.Equal(2 * 2 * PerPartition, handlers[i].Messages.Count);
        }

        var all = handlers.SelectMany(h => h.Messages).Select(m => (m.Side, m.Partition, m.Offset)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(2 * Partitions * PerPartition, all.Count);
    }

    [Fact]
    public async Task Group_members_read_the_same_partition_numbers_of_both_topics()
    {
        const int Partitions = 4;
        const int PerPartition = 50;
        var (starts, ends) = Topics(Partitions);
        using var safety = SafetyNet();
        var group = kafka.UniqueName("group");

        var handlers = new[] { new RecordingHandler(), new RecordingHandler() };
        var ingests = handlers.Select(h => Start(h, Options(starts, ends, group))).ToArray();

        // Wait until the group has settled with both members, so no rebalance moves partitions mid-test.
        await WaitUntilAsync(() => ingests.All(i => i.Assignment.StartPartitions.Count > 0)
            && ingests.Sum(i => i.Assignment.StartPartitions.Count + i.Assignment.EndPartitions.Count) == 2 * Partitions, safety.Token);
        foreach (var ingest in ingests)
        {
            Assert.Equal(ingest.Assignment.StartPartitions, ingest.Assignment.EndPartitions);
        }

        Assert.Empty(ingests[0].Assignment.StartPartitions.Intersect(ingests[1].Assignment.StartPartitions));

        await ProduceAsync(starts, Partitions, PerPartition);
        await ProduceAsync(ends, Partitions, PerPartition);
        await WaitUntilAsync(() => handlers.Sum(h => h.Messages.Count) >= 2 * Partitions * PerPartition, safety.Token);
        for (var i = 0; i < 2; i++)
        {
            var owned = ingests[i].Assignment.StartPartitions;
            Assert.All(handlers[i].Messages, m => Assert.Contains(m.Partition, owned));
            Assert.Equal(2 * owned.Count * PerPartition, handlers[i].Messages.Count);
        }

        // Leave together: one member leaving alone would hold the other in a (slow, mock) rebalance.
        StopAll(ingests);
    }

    [Fact]
    public async Task A_restart_re_reads_exactly_the_tail_that_was_not_durable()
    {
        const int Partitions = 2;
        const int PerPartition = 300;
        const int DurableBelow = 120;
        var (starts, ends) = Topics(Partitions);
        await ProduceAsync(starts, Partitions, PerPartition);
        await ProduceAsync(ends, Partitions, PerPartition);
        using var safety = SafetyNet();
        var group = kafka.UniqueName("restart");
        var options = Options(starts, ends, group) with { Ownership = IngestOwnership.Static };

        // First run: everything is durable except offsets >= 120 of partition 0 (on both topics); sometimes out of order.
        var first = new RecordingHandler((_, p, o) => p != 0 || o < DurableBelow);
        using (var ingest = Start(first, options))
        {
            await WaitUntilAsync(() => first.Messages.Count >= 2 * Partitions * PerPartition, safety.Token);
            ingest.Stop();
            await ingest.Completion;
            Assert.Equal(0, ingest.FailedCommits);
        }

        Assert.Equal([0, 1], Assert.Single(first.Revoked));   // asked to make everything durable on the way out

        // Second run: only the tail comes back. A sentinel per partition afterwards proves nothing else follows.
        var second = new RecordingHandler();
        using (var ingest = Start(second, options))
        {
            var tail = 2 * (PerPartition - DurableBelow);
            await WaitUntilAsync(() => second.Messages.Count >= tail, safety.Token);
            await ProduceAsync(starts, Partitions, 1);
            await ProduceAsync(ends, Partitions, 1);
            await WaitUntilAsync(() => second.Messages.Count >= tail + 2 * Partitions, safety.Token);
            ingest.Stop();
        }

        var reread = second.Messages.Where(m => m.Offset < PerPartition).ToList();
        Assert.Equal(2 * (PerPartition - DurableBelow), reread.Count);
        foreach (var side in new[] { CallSide.Start, CallSide.End })
        {
            Assert.Equal(Enumerable.Range(DurableBelow, PerPartition - DurableBelow).Select(o => (long)o),
                reread.Where(m => m.Side == side).Select(m => { Assert.Equal(0, m.Partition); return m.Offset; }));
        }

        Assert.Equal(2 * Partitions, second.Messages.Count(m => m.Offset == PerPartition));
        Assert.Equal(2 * (PerPartition - DurableBelow) + 2 * Partitions, second.Messages.Count);
    }

    [Fact]
    public async Task A_stalled_handler_pauses_the_partitions_and_everything_arrives_once_it_drains()
    {
        const int Partitions = 2;
        const int PerPartition = 1_000;
        const int StallAt = 100;
        var (starts, ends) = Topics(Partitions);
        await ProduceAsync(starts, Partitions, PerPartition);
        await ProduceAsync(ends, Partitions, PerPartition);
        using var safety = SafetyNet();

        var handler = new RecordingHandler();
        handler.StallAfter(StallAt);
        using var ingest = Start(handler, Options(starts, ends, kafka.UniqueName("stall")) with { Ownership = IngestOwnership.Static });
        await WaitUntilAsync(() => ingest.IsPaused, safety.Token);
        Assert.Equal(StallAt, handler.Messages.Count);
        Assert.Equal(1, ingest.Pauses);

        handler.Unstall();
        await WaitUntilAsync(() => handler.Messages.Count >= 2 * Partitions * PerPartition, safety.Token);
        Assert.False(ingest.IsPaused);
        ingest.Stop();
        await ingest.Completion;

        var seen = handler.Messages.Select(m => (m.Side, m.Partition, m.Offset)).ToList();
        Assert.Equal(2 * Partitions * PerPartition, seen.Distinct().Count());
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Empty_and_garbage_messages_are_handed_over_with_their_keys_and_the_partition_goes_on()
    {
        var (starts, ends) = Topics(1);
        byte[]?[] values = ["{\"id\":\"a\"}"u8.ToArray(), null, [], [0xFF, 0xFE, 0x00], "{\"id\":\"b\"}"u8.ToArray()];
        byte[]?[] keys = ["a"u8.ToArray(), null, [], "x"u8.ToArray(), new byte[300]];
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.ProducerConfig()).Build())
        {
            for (var i = 0; i < values.Length; i++)
            {
                await producer.ProduceAsync(new TopicPartition(starts, 0), new Message<byte[]?, byte[]?> { Key = keys[i], Value = values[i] });
            }
        }

        using var safety = SafetyNet();
        var handler = new RecordingHandler();
        using var ingest = Start(handler, Options(starts, ends, kafka.UniqueName("poison")) with { Ownership = IngestOwnership.Static });
        await WaitUntilAsync(() => handler.Messages.Count >= values.Length, safety.Token);
        ingest.Stop();
        await ingest.Completion;

        var received = handler.Messages.ToArray();
        Assert.Equal([0L, 1, 2, 3, 4], received.Select(m => m.Offset));
        Assert.Equal(values.Select(v => v ?? []), received.Select(m => m.Value));
        Assert.Equal(keys.Select(k => k ?? []), received.Select(m => m.Key));   // a null key comes as empty; a long one grows the buffer
        Assert.All(received, m => Assert.Equal(CallSide.Start, m.Side));
    }

    [Fact]
    public void Topics_with_different_partition_counts_are_a_clear_startup_error()
    {
        var starts = kafka.CreateTopic("starts", 6);
        var ends = kafka.CreateTopic("ends", 4);
        using var ingest = new CoPartitionedIngest(Options(starts, ends, kafka.UniqueName("mismatch")), new RecordingHandler());
        var error = Assert.Throws<InvalidOperationException>(ingest.Start);
        Assert.Equal($"{starts} has 6 partitions but {ends} has 4; they must be co-partitioned.", error.Message);
    }

    private IngestOptions Options(string starts, string ends, string group) => new()
    {
        BootstrapServers = kafka.BootstrapServers,
        GroupId = group,
        StartTopic = starts,
        EndTopic = ends,
        CommitInterval = TimeSpan.FromMilliseconds(200),
        Settings = new Dictionary<string, string> { ["session.timeout.ms"] = "3000", ["heartbeat.interval.ms"] = "500" },
    };

    private static CoPartitionedIngest Start(RecordingHandler handler, IngestOptions options)
    {
        var ingest = new CoPartitionedIngest(options, handler);
        ingest.Start();
        return ingest;
    }

    private static void StopAll(CoPartitionedIngest[] ingests)
    {
        Task.WaitAll(ingests.Select(i => Task.Run(i.Stop)));
        foreach (var ingest in ingests)
        {
            Assert.True(ingest.Completion.IsCompletedSuccessfully, ingest.Completion.Exception?.ToString());
            ingest.Dispose();
        }
    }

    private (string Starts, string Ends) Topics(int partitions)
    {
        var names = kafka.CreateTopics(partitions, "starts", "ends");
        return (names[0], names[1]);
    }

    /// <summary>Produces <paramref name="perPartition"/> messages to every partition, explicitly placed.</summary>
    private async Task ProduceAsync(string topic, int partitions, int perPartition)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(kafka.ProducerConfig()).Build();
        for (var i = 0; i < perPartition; i++)
        {
            for (var p = 0; p < partitions; p++)
            {
                producer.Produce(new TopicPartition(topic, p), new Message<byte[], byte[]> { Key = BitConverter.GetBytes(i), Value = BitConverter.GetBytes(i) });
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        await Task.CompletedTask;
    }

    /// <summary>Waits for a condition; the safety net fails the test instead of hanging it (never a timing assertion).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct, [CallerArgumentExpression(nameof(condition))] string what = "")
    {
        while (!condition())
        {
            Assert.False(ct.IsCancellationRequested, $"this never became true: {what}");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private static CancellationTokenSource SafetyNet()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        return cts;
    }
}
