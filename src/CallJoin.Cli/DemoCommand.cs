using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using CallJoin.Kafka.Publishing;
using ClickHouse.Driver;
using Confluent.Kafka;

namespace CallJoin.Cli;

/// <summary>
/// <c>calljoin demo</c>: the main job on embedded defaults. Starts the embedded broker and ClickHouse, publishes calls
/// as upstream-shaped starts and ends, reads both topics back in a consumer group, pairs the halves and writes one
/// row per call into <c>calls_complete</c>, then prints what landed.
/// </summary>
/// <remarks>
/// This is a smoke round-trip through both engines; the pairing here is a plain dictionary, not the join engine.
/// </remarks>
internal static class DemoCommand
{
    private const string Help = """
        usage: calljoin demo [--calls N (default 10000)] [--partitions P (default 6)] [--data DIR (default: a temp dir)]

        Starts the embedded Kafka-protocol broker and ClickHouse engine, publishes N calls (a start and an end each),
        consumes both topics, writes one row per call into calls_complete and prints counts and sample rows.
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var calls = options.Int("calls", 10_000);
        var partitions = options.Int("partitions", 6);
        var dataDir = options.String("data");
        options.RejectUnknown();
        var ownsData = dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "calljoin-demo-" + Guid.NewGuid().ToString("N")[..8]);

        var clock = Stopwatch.StartNew();
        using var broker = EmbeddedBroker.Start();
        broker.CreateTopic(WeaveTopics.CallStarted, partitions);
        broker.CreateTopic(WeaveTopics.CallEnded, partitions);
        Console.WriteLine($"demo: broker {broker.BootstrapServers} ({partitions} partitions per topic)");

        await using var clickHouse = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = dataDir }, stop).ConfigureAwait(false);
        Console.WriteLine($"demo: clickhouse {clickHouse.Endpoint} (chDB {clickHouse.EngineVersion}, data {dataDir})");
        try
        {
            const string database = "calljoin_demo";
            using var client = new ClickHouseClient(clickHouse.ConnectionString);
            await new SchemaMigrator(client, database).MigrateAsync(ct: stop).ConfigureAwait(false);

            await PublishAsync(broker.BootstrapServers, calls, stop).ConfigureAwait(false);
            Console.WriteLine($"demo: published {calls} starts and {calls} ends in {clock.Elapsed.TotalSeconds:F1} s");

            var rows = Consume(broker.BootstrapServers, calls, stop);
            var types = CallsCompleteTable.Columns.Where(c => RowColumns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);
            var written = await client.InsertBinaryAsync($"{database}.{CallsCompleteTable.Name}", RowColumns, rows, new InsertOptions { ColumnTypes = types }, stop).ConfigureAwait(false);
            Console.WriteLine($"demo: consumed both topics and wrote {written} rows in {clock.Elapsed.TotalSeconds:F1} s");

            var landed = await client.ExecuteScalarAsync($"SELECT count() FROM {database}.calls_complete FINAL", cancellationToken: stop).ConfigureAwait(false);
            Console.WriteLine($"demo: calls_complete holds {landed} calls");
            using var sample = await client.ExecuteReaderAsync(
                $"SELECT id, op_name, started_at, ended_at, output_dump FROM {database}.calls_complete FINAL ORDER BY started_at LIMIT 3",
                cancellationToken: stop).ConfigureAwait(false);
            while (sample.Read())
            {
                Console.WriteLine($"  {sample.GetString(0)}  {sample.GetString(1)}  {sample.GetDateTime(2):O} → {sample.GetDateTime(3):O}  output={sample.GetString(4)}");
            }

            return Convert.ToInt64(landed, System.Globalization.CultureInfo.InvariantCulture) == calls ? 0 : 1;
        }
        finally
        {
            if (ownsData)
            {
                await clickHouse.DisposeAsync().ConfigureAwait(false);
                TryDelete(dataDir);
            }
        }
    }

    private static readonly string[] RowColumns =
        ["id", "project_id", "trace_id", "op_name", "started_at", "ended_at", "inputs_dump", "input_refs", "output_dump", "summary_dump", "output_refs", "attributes_dump", "source"];

    private static async Task PublishAsync(string bootstrap, int calls, CancellationToken stop)
    {
        using var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = bootstrap });
        for (var i = 0; i < calls; i++)
        {
            var (id, start, end) = SyntheticCalls.Create(i);
            await publisher.PublishStartAsync(id, start, stop).ConfigureAwait(false);
            await publisher.PublishEndAsync(id, end, stop).ConfigureAwait(false);
        }

        await publisher.FlushAsync(stop).ConfigureAwait(false);
    }

    private static List<object[]> Consume(string bootstrap, int calls, CancellationToken stop)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "calljoin-demo",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchQueueBackoffMs = 20,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Subscribe([WeaveTopics.CallStarted, WeaveTopics.CallEnded]);
        var starts = new Dictionary<string, JsonElement>(calls);
        var ends = new Dictionary<string, JsonElement>(calls);
        var rows = new List<object[]>(calls);
        while (rows.Count < calls)
        {
            var result = consumer.Consume(stop);
            var doc = JsonDocument.Parse(result.Message.Value).RootElement.Clone();
            var isStart = result.Topic == WeaveTopics.CallStarted;
            (isStart ? starts : ends)[result.Message.Key] = doc;
            if (starts.TryGetValue(result.Message.Key, out var s) && ends.TryGetValue(result.Message.Key, out var e))
            {
                starts.Remove(result.Message.Key);
                ends.Remove(result.Message.Key);
                rows.Add(
                [
                    s.GetProperty("id").GetString()!, s.GetProperty("project_id").GetString()!, s.GetProperty("trace_id").GetString()!,
                    s.GetProperty("op_name").GetString()!, s.GetProperty("started_at").GetDateTime().ToUniversalTime(),
                    e.GetProperty("ended_at").GetDateTime().ToUniversalTime(), s.GetProperty("inputs").GetRawText(), Array.Empty<string>(),
                    e.GetProperty("output").GetRawText(), e.GetProperty("summary").GetRawText(), Array.Empty<string>(),
                    s.GetProperty("attributes").GetRawText(), "calljoin",
                ]);
            }
        }

        consumer.Commit();
        consumer.Close();
        return rows;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
    }
}
