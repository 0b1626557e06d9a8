using System.Text;
using CallJoin.Publishing;
using CallJoin.Testing;

namespace CallJoin.Publishing.Tests;

/// <summary>The publisher against the embedded broker: everything lands, keyed alike on both topics, and a stalled broker makes it wait.</summary>
public sealed class CallPublisherTests(BrokerFixture kafka)
{
    private const int Partitions = 4;

    [Fact]
    public async Task Every_start_and_end_lands_once_in_the_same_partition_of_its_topic()
    {
        var (starts, ends) = Topics();
        using var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = kafka.BootstrapServers, StartTopic = starts, EndTopic = ends, MaxInFlight = 64 });
        var maxInFlight = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var id = Encoding.UTF8.GetBytes($"call-{i}");
            await publisher.PublishStartAsync(id, Encoding.UTF8.GetBytes($"{{\"id\":\"call-{i}\"}}"));
            await publisher.PublishEndAsync(id, Encoding.UTF8.GetBytes($"{{\"id\":\"call-{i}\"}}"));
            maxInFlight = Math.Max(maxInFlight, publisher.InFlight);
        }

        await publisher.FlushAsync();

        Assert.InRange(maxInFlight, 1, 64);
        Assert.Equal(10_000, publisher.Acknowledged);
        var startCounts = await kafka.EndOffsetsAsync(starts, Partitions);
        Assert.Equal(5_000, startCounts.Sum());
        Assert.Equal(startCounts, await kafka.EndOffsetsAsync(ends, Partitions));   // each call's halves share a partition number
        Assert.All(startCounts, c => Assert.True(c > 0));
    }

    private (string Starts, string Ends) Topics()
    {
        var names = kafka.CreateTopics(Partitions, "starts", "ends");
        return (names[0], names[1]);
    }

}

/// <summary>Takes the shared brokers down, so it runs alone.</summary>
[Collection(nameof(CallPublisherOutageTests))]
[CollectionDefinition(nameof(CallPublisherOutageTests), DisableParallelization = true)]
public sealed class CallPublisherOutageTests(BrokerFixture kafka)
{
    private const int Partitions = 4;

    [Fact]
    public async Task Publishing_waits_while_the_brokers_are_down_and_completes_when_they_return()
    {
        var (starts, ends) = Topics();
        using var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = kafka.BootstrapServers, StartTopic = starts, EndTopic = ends, MaxInFlight = 8 });
        await publisher.PublishStartAsync("warm"u8.ToArray(), "{}"u8.ToArray());
        await publisher.FlushAsync();

        var brokers = Enumerable.Range(1, kafka.Broker.BrokerCount).ToArray();
        foreach (var id in brokers)
        {
            kafka.Broker.SetBrokerDown(id);
        }

        var pending = new List<Task>();
        for (var i = 0; i < 9; i++)
        {
            pending.Add(publisher.PublishStartAsync(Encoding.UTF8.GetBytes($"k{i}"), "{}"u8.ToArray()).AsTask());
        }

        try
        {
            Assert.All(pending.Take(8), p => Assert.True(p.IsCompleted));   // handed over, not acknowledged
            Assert.False(pending[8].IsCompleted);                            // the ninth waits: nothing is dropped
            Assert.Equal(8, publisher.InFlight);
        }
        finally
        {
            foreach (var id in brokers)
            {
                kafka.Broker.SetBrokerUp(id);
            }
        }

        await pending[8];
        await publisher.FlushAsync();
        Assert.Equal(10, publisher.Acknowledged);
        Assert.Equal(0, publisher.Failed);
        Assert.Equal(10, (await kafka.EndOffsetsAsync(starts, Partitions)).Sum());
    }

    private (string Starts, string Ends) Topics()
    {
        var names = kafka.CreateTopics(Partitions, "starts", "ends");
        return (names[0], names[1]);
    }

}
