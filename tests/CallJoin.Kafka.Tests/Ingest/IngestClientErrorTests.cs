using CallJoin.EmbeddedKafka;
using CallJoin.Kafka.Ingest;
using Confluent.Kafka;

namespace CallJoin.Kafka.Tests.Ingest;

/// <summary>Errors the Kafka client retries by itself are counted and kept, never swallowed; the ingest reads on.</summary>
public sealed class IngestClientErrorTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Brokers_going_down_are_counted_as_client_errors_and_reading_goes_on_when_they_are_back()
    {
        // A cluster of its own: its brokers go down, which the shared fixture's other tests must not see.
        using var broker = EmbeddedBroker.Start();
        broker.CreateTopic("starts", 2);
        broker.CreateTopic("ends", 2);
        var handler = new RecordingHandler();
        using var ingest = new CoPartitionedIngest(new IngestOptions
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "errors",
            StartTopic = "starts",
            EndTopic = "ends",
            Ownership = IngestOwnership.Static,
        }, handler);
        ingest.Start();
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await producer.ProduceAsync("starts", new Message<byte[], byte[]> { Key = "a"u8.ToArray(), Value = "{}"u8.ToArray() });
        await Eventually(() => handler.Messages.Count == 1, "the first message is read");
        Assert.Equal(0, ingest.ClientErrors);

        for (var id = 1; id <= broker.BrokerCount; id++)
        {
            broker.SetBrokerDown(id);
        }

        await Eventually(() => ingest.ClientErrors > 0, "the brokers' absence is reported as a client error");
        Assert.NotNull(ingest.LastClientError);

        for (var id = 1; id <= broker.BrokerCount; id++)
        {
            broker.SetBrokerUp(id);
        }

        await producer.ProduceAsync("ends", new Message<byte[], byte[]> { Key = "a"u8.ToArray(), Value = "{}"u8.ToArray() });
        await Eventually(() => handler.Messages.Count == 2, "the ingest reads on once the brokers are back");
        ingest.Stop();
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting: " + what);
            await Task.Delay(50);
        }
    }
}
