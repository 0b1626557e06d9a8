using System.Net.Sockets;
using CallJoin.Core;
using CallJoin.EmbeddedKafka;

namespace CallJoin.Cli;

/// <summary><c>calljoin broker</c>: runs the embedded Kafka-protocol broker on 127.0.0.1 until Ctrl-C or SIGTERM.</summary>
/// <remarks>The broker keeps everything in memory (at most 5 MiB per partition): it is for tests, demos and replays.</remarks>
internal static class BrokerCommand
{
    private const string Help = """
        usage: calljoin broker [--partitions N (default 6)] [--topics a,b (default: the two Weave topics)]
                               [--brokers N (default 3)] [--port P (default: random ports)]

        Runs librdkafka's mock cluster, a Kafka-protocol broker, on 127.0.0.1 until stopped (Ctrl-C), creates the
        topics and prints the bootstrap list to give clients (e.g. as CALLJOIN_KAFKA_BOOTSTRAP). With --port, broker
        i listens on P+i-1 (so --port 9092 --brokers 1 matches the upstream default localhost:9092); otherwise the
        ports are random. Nothing is kept after it stops.
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var partitions = options.Int("partitions", 6);
        var brokers = options.Int("brokers", 3);
        int? port = options.String("port") is null ? null : options.Int("port", 0);
        var topics = options.String("topics") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [WeaveTopics.CallStarted, WeaveTopics.CallEnded];
        options.RejectUnknown();

        if (partitions < 1)
        {
            throw new CommandLineException($"--partitions must be at least 1, got {partitions}.");
        }

        if (brokers is < 1 or > 64)
        {
            throw new CommandLineException($"--brokers must be 1 to 64, got {brokers}.");
        }

        if (port is { } p && (p < 1 || p + brokers - 1 > 65_535))
        {
            throw new CommandLineException($"--port must leave room for {brokers} ports below 65536, got {p}.");
        }

        if (topics.Length == 0)
        {
            throw new CommandLineException("--topics needs at least one topic name.");
        }

        using var broker = Start(new EmbeddedBrokerOptions { Brokers = brokers, Port = port });
        foreach (var topic in topics.Distinct(StringComparer.Ordinal))
        {
            broker.CreateTopic(topic, partitions);
        }

        Console.WriteLine($"broker: listening on {broker.BootstrapServers}");
        Console.WriteLine($"broker: {brokers} broker(s); topics {string.Join(", ", topics)} with {partitions} partitions each; Ctrl-C stops");
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the normal way to stop.
        }

        Console.WriteLine("broker: stopped");
        return 0;
    }

    private static EmbeddedBroker Start(EmbeddedBrokerOptions options)
    {
        try
        {
            return EmbeddedBroker.Start(options);
        }
        catch (SocketException ex)
        {
            var ports = options.Brokers == 1 ? $"{options.Port}" : $"{options.Port}-{options.Port + options.Brokers - 1}";
            throw new CommandLineException($"cannot listen on 127.0.0.1 port {ports}: {ex.Message}");
        }
    }
}
