using System.CommandLine;
using System.Net.Sockets;
using CallJoin.Core;
using CallJoin.EmbeddedKafka;

namespace CallJoin.Cli;

/// <summary><c>calljoin broker</c>: runs the embedded Kafka-protocol broker on 127.0.0.1 until Ctrl-C or SIGTERM.</summary>
/// <remarks>The broker keeps everything in memory (at most 5 MiB per partition): it is for tests, demos and replays.</remarks>
internal static class BrokerCommand
{
    /// <summary>The <c>broker</c> command.</summary>
    public static Command Create()
    {
        var partitions = CliOptions.Int("--partitions", 6, "partitions per topic", min: 1);
        var topics = CliOptions.List("--topics", "a,b", "topics to create (default: the two Weave topics)");
        var brokers = CliOptions.Int("--brokers", 3, "brokers in the cluster", min: 1, max: 64);
        var port = CliOptions.OptionalInt("--port", "broker i listens on P+i-1 (default: random ports)", min: 1, max: 65_535);
        var command = new Command("broker", """
            run the embedded Kafka-protocol broker on 127.0.0.1 until stopped

            Runs librdkafka's mock cluster, a Kafka-protocol broker, on 127.0.0.1 until stopped (Ctrl-C), creates the
            topics and prints the bootstrap list to give clients (e.g. as CALLJOIN_KAFKA_BOOTSTRAP). With --port, broker
            i listens on P+i-1 (so --port 9092 --brokers 1 matches the upstream default localhost:9092); otherwise the
            ports are random. Nothing is kept after it stops.
            """) { partitions, topics, brokers, port };
        command.Validators.Add(r =>
        {
            if (r.ValidValue(port) is { } p && p + r.ValidValue(brokers) - 1 > 65_535)
            {
                r.AddError($"--port must leave room for {r.ValidValue(brokers)} ports below 65536, got {p}.");
            }
        });
        command.SetAction((parse, stop) => RunAsync(
            parse.GetValue(partitions), parse.GetValue(topics) is { Length: > 0 } given ? given : [WeaveTopics.CallStarted, WeaveTopics.CallEnded], parse.GetValue(brokers), parse.GetValue(port), stop));
        return command;
    }

    private static async Task<int> RunAsync(int partitions, string[] topics, int brokers, int? port, CancellationToken stop)
    {
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
