using CallJoin.EmbeddedKafka;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace CallJoin.Testing;

/// <summary>One embedded Kafka-protocol broker per test assembly, with unique topics and mock-friendly client settings per test.</summary>
/// <remarks>
/// Register with <c>[assembly: AssemblyFixture(typeof(BrokerFixture))]</c> and take it in a test class constructor.
/// Tests share the broker, so each one creates its own topics (and uses its own group ids) through
/// <see cref="CreateTopic"/>/<see cref="CreateTopics"/>/<see cref="UniqueName"/> and never depends on another's data.
/// Thread-safe.
/// </remarks>
public sealed class BrokerFixture : IDisposable
{
    private int _sequence;

    public BrokerFixture()
    {
        Broker = EmbeddedBroker.Start();
    }

    /// <summary>The shared broker (3 brokers, initial rebalance delay 0).</summary>
    public EmbeddedBroker Broker { get; }

    /// <summary>The broker's bootstrap list.</summary>
    public string BootstrapServers => Broker.BootstrapServers;

    /// <summary>Returns <paramref name="prefix"/> with a suffix no other call in this process gets; valid as a topic or group id.</summary>
    public string UniqueName(string prefix) =>
        $"{prefix}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Creates a topic named <paramref name="prefix"/> plus a unique suffix and returns its name.</summary>
    public string CreateTopic(string prefix, int partitions)
    {
        var name = UniqueName(prefix);
        Broker.CreateTopic(name, partitions);
        return name;
    }

    /// <summary>Creates one topic per prefix in <paramref name="names"/>, all with the same partition count (co-partitioned).</summary>
    public IReadOnlyList<string> CreateTopics(int partitions, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return [.. names.Select(n => CreateTopic(n, partitions))];
    }

    /// <summary>Producer settings for the embedded broker: idempotent, acks all, and a delivery timeout that fails rather than hangs.</summary>
    public ProducerConfig ProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        MessageTimeoutMs = 30_000,
    };

    /// <summary>Consumer settings for the embedded broker: manual commits, earliest reset, short fetch backoff and heartbeats.</summary>
    /// <remarks>
    /// <c>fetch.queue.backoff.ms</c> 20 instead of 1000 keeps consumption fast on the mock. The short session timeout
    /// matters because the mock's classic group coordinator waits <c>session.timeout.ms</c> − 1 s on every rebalance
    /// after the first join (a second member joining, the last member leaving and a new one joining); the heartbeat,
    /// sent by librdkafka's own thread, stays under a third of it so a busy machine does not evict a member.
    /// </remarks>
    public ConsumerConfig ConsumerConfig(string groupId) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        FetchQueueBackoffMs = 20,
        SessionTimeoutMs = 3_000,
        HeartbeatIntervalMs = 500,
    };

    /// <summary>Each partition's end offset, by partition: how many messages it holds (the mock never compacts or deletes).</summary>
    public async Task<long[]> EndOffsetsAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var specs = Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, p), OffsetSpec = OffsetSpec.Latest() });
        var result = await admin.ListOffsetsAsync(specs, new ListOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
        return result.ResultInfos.OrderBy(r => r.TopicPartitionOffsetError.Partition.Value).Select(r => r.TopicPartitionOffsetError.Offset.Value).ToArray();
    }

    public void Dispose() => Broker.Dispose();
}
