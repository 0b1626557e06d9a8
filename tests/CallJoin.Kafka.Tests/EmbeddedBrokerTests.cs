using System.Net;
using System.Net.Sockets;
using CallJoin.EmbeddedKafka;
using CallJoin.Testing;
using Confluent.Kafka;

namespace CallJoin.Kafka.Tests;

/// <summary>The embedded broker's own surface: topic creation, fixed ports, lifetime.</summary>
public sealed class EmbeddedBrokerTests(BrokerFixture kafka)
{
    [Fact]
    public void Listens_on_loopback_with_one_address_per_broker()
    {
        var addresses = kafka.BootstrapServers.Split(',').Select(IPEndPoint.Parse).ToList();
        Assert.Equal(kafka.Broker.BrokerCount, addresses.Count);
        Assert.All(addresses, a => Assert.Equal(IPAddress.Loopback, a.Address));
    }

    [Fact]
    public void Creating_a_topic_that_exists_throws_TopicAlreadyExists()
    {
        var topic = kafka.CreateTopic("twice", 2);
        var ex = Assert.Throws<KafkaException>(() => kafka.Broker.CreateTopic(topic, 2));
        Assert.Equal(ErrorCode.TopicAlreadyExists, ex.Error.Code);
        Assert.Contains(topic, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Created_topics_show_their_partitions_in_metadata()
    {
        var topic = kafka.CreateTopic("metadata", 5);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var described = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, described.Error.Code);
        Assert.Equal([0, 1, 2, 3, 4], described.Partitions.Select(p => p.PartitionId).Order());
        Assert.Equal(kafka.Broker.BrokerCount, metadata.Brokers.Count);
    }

    [Fact]
    public void A_replication_factor_above_the_broker_count_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => kafka.Broker.CreateTopic(kafka.UniqueName("wide"), 1, kafka.Broker.BrokerCount + 1));
    }

    [Fact]
    public async Task A_fixed_port_is_advertised_and_relayed_to_the_brokers()
    {
        var firstPort = FreePortRange(2);
        using var broker = EmbeddedBroker.Start(new EmbeddedBrokerOptions { Brokers = 2, Port = firstPort });
        Assert.Equal($"127.0.0.1:{firstPort},127.0.0.1:{firstPort + 1}", broker.BootstrapServers);
        broker.CreateTopic("fixed", 4, replicationFactor: 2);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            var metadata = admin.GetMetadata("fixed", TimeSpan.FromSeconds(10));
            Assert.Equal([(1, firstPort), (2, firstPort + 1)], metadata.Brokers.Select(b => (b.BrokerId, b.Port)).Order());
        }

        // Every partition leader is reached through the relay: all 40 messages land, and all come back.
        var config = kafka.ProducerConfig();
        config.BootstrapServers = broker.BootstrapServers;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var sends = Enumerable.Range(0, 40).Select(i => producer.ProduceAsync("fixed", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" }, TestContext.Current.CancellationToken));
            var results = await Task.WhenAll(sends);
            Assert.Equal(4, results.Select(r => r.Partition.Value).Distinct().Count());
        }

        var consumerConfig = kafka.ConsumerConfig("fixed-readers");
        consumerConfig.BootstrapServers = broker.BootstrapServers;
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build();
        consumer.Subscribe("fixed");
        using var safety = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        safety.CancelAfter(TimeSpan.FromSeconds(60));
        var values = new HashSet<string>();
        while (values.Count < 40)
        {
            Assert.False(safety.IsCancellationRequested, $"only {values.Count} of 40 messages came back through the relay");
            if (consumer.Consume(TimeSpan.FromMilliseconds(20)) is { } result)
            {
                Assert.True(values.Add(result.Message.Value), $"duplicate {result.TopicPartitionOffset}");
            }
        }

        consumer.Close();
    }

    [Fact]
    public void Calls_after_dispose_throw_ObjectDisposedException_and_dispose_is_idempotent()
    {
        var broker = EmbeddedBroker.Start(new EmbeddedBrokerOptions { Brokers = 1 });
        broker.Dispose();
        broker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => broker.CreateTopic("late", 1));
    }

    /// <summary>Finds <paramref name="count"/> consecutive loopback ports that are free right now.</summary>
    [Fact]
    public async Task A_queued_request_error_fails_the_next_request_of_its_kind_and_only_that_one()
    {
        // A broker of its own: queued errors go to whichever client sends the next request of that kind.
        using var broker = EmbeddedBroker.Start(new EmbeddedBrokerOptions { Brokers = 1 });
        broker.CreateTopic("faults", 1);
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 0 };
        broker.PushRequestErrors(KafkaApiKey.Produce, [ErrorCode.TopicAuthorizationFailed]);
        using (var refusedProducer = new ProducerBuilder<Null, string>(config).Build())
        {
            var refused = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => refusedProducer.ProduceAsync("faults", new Message<Null, string> { Value = "refused" }));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Error.Code);
        }

        // A new client (the first one remembers the topic as unauthorized): its request is served.
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var delivered = await producer.ProduceAsync("faults", new Message<Null, string> { Value = "delivered" });
        Assert.Equal(0, delivered.Offset.Value);   // the refused message was never appended
    }

    private static int FreePortRange(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = Random.Shared.Next(20_000, 60_000);
            var listeners = new List<Socket>();
            try
            {
                for (var p = first; p < first + count; p++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listeners.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Loopback, p));
                }

                return first;
            }
            catch (SocketException)
            {
                // Taken; try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Dispose());
            }
        }

        throw new InvalidOperationException("no free port range on loopback");
    }
}
