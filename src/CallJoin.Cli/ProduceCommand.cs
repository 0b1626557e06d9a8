using System.Diagnostics;
using CallJoin.Kafka;
using CallJoin.Kafka.Publishing;

namespace CallJoin.Cli;

/// <summary><c>calljoin produce</c>: publishes generated calls (a start and an end each) for load and tests.</summary>
internal static class ProduceCommand
{
    private const string Help = """
        usage: calljoin produce [--calls N (100000)] [--start-bytes B (300)] [--bootstrap HOST:PORT,...]
                                [--max-in-flight N (100000)] [--start-topic T] [--end-topic T]

        Publishes N calls shaped like the trace server's messages, keyed by call id, with the idempotent producer;
        waits for acknowledgements when N messages are in flight (never drops) and prints the rate.
        Kafka defaults come from CALLJOIN_KAFKA_BOOTSTRAP or WF_KAFKA_BROKER_HOST/_PORT (localhost:9092).
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var defaults = new PublisherOptions { BootstrapServers = KafkaEndpoint.FromEnvironment().BootstrapServers };
        var publisherOptions = defaults with
        {
            BootstrapServers = options.String("bootstrap") ?? defaults.BootstrapServers,
            MaxInFlight = options.Int("max-in-flight", defaults.MaxInFlight),
            StartTopic = options.String("start-topic") ?? defaults.StartTopic,
            EndTopic = options.String("end-topic") ?? defaults.EndTopic,
        };
        var calls = options.Int("calls", 100_000);
        var startBytes = options.Int("start-bytes", 300);
        options.RejectUnknown();

        using var publisher = new CallPublisher(publisherOptions);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var (id, start, end) = SyntheticCalls.Create(i, startBytes);
            await publisher.PublishStartAsync(id, start, stop).ConfigureAwait(false);
            await publisher.PublishEndAsync(id, end, stop).ConfigureAwait(false);
        }

        await publisher.FlushAsync(stop).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"produce: {publisher.Acknowledged:N0} messages ({calls:N0} calls) acknowledged in {seconds:F1} s, {publisher.Acknowledged / seconds:N0} msg/s");
        return 0;
    }
}
