using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Publishing;
using CallJoin.Testing;
using Confluent.Kafka;

namespace CallJoin.Publishing.Tests;

/// <summary>Record timestamps given to the publisher are the ones consumers read; without one, the send time is used.</summary>
public sealed class CallPublisherTimestampTests(BrokerFixture kafka)
{
    private const int Partitions = 3;
    private const long T0 = 1_767_225_600_000;   // 2026-01-01T00:00:00Z

    [Fact]
    public async Task Halves_published_with_a_timestamp_carry_it_as_their_create_time()
    {
        var names = kafka.CreateTopics(Partitions, "starts", "ends");
        using var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = kafka.BootstrapServers, StartTopic = names[0], EndTopic = names[1], MaxInFlight = 16 });
        for (var i = 0; i < 100; i++)
        {
            var id = Encoding.UTF8.GetBytes($"call-{i}");
            await publisher.PublishStartAsync(id, Encoding.UTF8.GetBytes($"start-{i}"), T0 + i);
            await publisher.PublishAsync(CallSide.End, id, Encoding.UTF8.GetBytes($"end-{i}"), T0 + 1_000 + i);
        }

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await publisher.PublishEndAsync("plain"u8.ToArray(), "now"u8.ToArray());
        await publisher.FlushAsync();

        var starts = Consume(names[0], 100);
        var ends = Consume(names[1], 101);
        Assert.Equal(200, starts.Concat(ends).Count(m => m.Timestamp.Type == TimestampType.CreateTime && m.Key.StartsWith("call-", StringComparison.Ordinal)));
        Assert.All(starts, m => Assert.Equal(T0 + int.Parse(m.Key[5..], System.Globalization.CultureInfo.InvariantCulture), m.Timestamp.UnixTimestampMs));
        Assert.All(ends.Where(m => m.Key != "plain"), m => Assert.Equal(T0 + 1_000 + int.Parse(m.Key[5..], System.Globalization.CultureInfo.InvariantCulture), m.Timestamp.UnixTimestampMs));
        Assert.All(ends.Where(m => m.Key != "plain"), m => Assert.StartsWith("end-", m.Value, StringComparison.Ordinal));
        Assert.InRange(ends.Single(m => m.Key == "plain").Timestamp.UnixTimestampMs, before - 60_000, before + 60_000);
        Assert.Equal(201, publisher.Acknowledged);
    }

    private List<(string Key, string Value, Timestamp Timestamp)> Consume(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(kafka.UniqueName("ts"))).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var messages = new List<(string, string, Timestamp)>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null)
            {
                messages.Add((result.Message.Key, result.Message.Value, result.Message.Timestamp));
            }
        }

        Assert.Equal(count, messages.Count);
        return messages;
    }
}
