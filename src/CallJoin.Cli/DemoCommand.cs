using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core;
using CallJoin.Core.Halves;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using CallJoin.Kafka.Ingest;
using CallJoin.Publishing;
using CallJoin.Service;
using CallJoin.Service.Hosting;
using CallJoin.Service.Settings;
using CallJoin.State;
using CallJoin.Workload;
using ClickHouse.Driver;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallJoin.Cli;

/// <summary>
/// <c>calljoin demo</c>: the main job on embedded defaults. Starts the embedded broker and ClickHouse and the service
/// itself, publishes a Weave-like workload, shows progress while the service joins it, and prints what landed.
/// </summary>
internal static class DemoCommand
{
    private const string Database = "calljoin_demo";

    /// <summary>The <c>demo</c> command.</summary>
    public static Command Create()
    {
        var calls = CliOptions.Int("--calls", 10_000, "calls in the workload", min: 1);
        var partitions = CliOptions.Int("--partitions", 12, "partitions per topic", min: 1);
        var seed = CliOptions.Int("--seed", 1, "the workload's seed");
        var data = CliOptions.Text("--data", "DIR", "where ClickHouse and the pending store keep their files (default: a temp dir, deleted after)");
        var command = new Command("demo", """
            the main job on embedded defaults: broker, ClickHouse, a Weave-like workload and the service

            Starts the embedded Kafka-protocol broker and ClickHouse engine and the CallJoin service (the same code as
            'calljoin run', with /metrics, /healthz and /readyz on a free port), publishes a Weave-like workload — trace
            trees of nested calls, payloads from a few hundred bytes to hundreds of KB, ends before starts, redelivered
            halves, orphan ends, calls that never end, long-running calls and malformed messages, with record times over
            the last hour — and prints progress until everything the workload implies has landed: counts and sample rows
            from calls_complete and error records by reason. Exits 0 when the tables match the workload exactly.
            """) { calls, partitions, seed, data };
        command.SetAction((parse, stop) => RunAsync(
            new WorkloadOptions
            {
                Calls = parse.GetValue(calls),
                Seed = parse.GetValue(seed),

                // Records from the last hour: once the service has read everything, stream time catches up with the wall
                // clock, so every timeout is due and running rows and start_missing records appear without waiting.
                Epoch = DateTimeOffset.UtcNow - TimeSpan.FromHours(1),
            },
            parse.GetValue(partitions), parse.GetValue(data), stop));
        return command;
    }

    private static async Task<int> RunAsync(WorkloadOptions workloadOptions, int partitions, string? dataDir, CancellationToken stop)
    {
        var ownsData = dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "calljoin-demo-" + Guid.NewGuid().ToString("N")[..8]);

        var clock = Stopwatch.StartNew();
        var workload = new WeaveWorkload(workloadOptions);
        var expected = workload.Expected;
        using var broker = EmbeddedBroker.Start();
        broker.CreateTopic(WeaveTopics.CallStarted, partitions);
        broker.CreateTopic(WeaveTopics.CallEnded, partitions);
        Console.WriteLine($"demo: broker {broker.BootstrapServers} ({partitions} partitions per topic)");

        var clickHouse = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = Path.Combine(dataDir, "clickhouse") }, stop).ConfigureAwait(false);
        try
        {
            Console.WriteLine($"demo: clickhouse {clickHouse.Endpoint} (chDB {clickHouse.EngineVersion}, data {dataDir})");
            var publishClock = Stopwatch.StartNew();
            await PublishAsync(broker.BootstrapServers, workload, stop).ConfigureAwait(false);
            Console.WriteLine($"demo: published {expected.Messages:N0} messages ({expected.Calls:N0} calls) in {publishClock.Elapsed.TotalSeconds:F1} s: "
                + $"{expected.CompleteRows:N0} complete, {expected.RunningOnlyRows:N0} never end, {expected.StartMissingErrors:N0} start_missing, "
                + $"{expected.Malformed:N0} malformed, {expected.DuplicateHalves:N0} redelivered");

            var app = CallJoinHost.ForSettings(Settings(broker.BootstrapServers, clickHouse.ConnectionString, dataDir), l => l.SetMinimumLevel(LogLevel.Warning));
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(stop).ConfigureAwait(false);
                var service = app.Services.GetRequiredService<CallJoinService>();
                Console.WriteLine($"demo: service up; metrics at {CallJoinHost.LocalAddress(app)}metrics, health at {CallJoinHost.LocalAddress(app)}readyz");

                using var client = new ClickHouseClient(clickHouse.ConnectionString);
                var joinClock = Stopwatch.StartNew();
                var (calls, errors) = await WatchAsync(client, service, expected, stop).ConfigureAwait(false);
                var elapsed = joinClock.Elapsed;
                await app.StopAsync(stop).ConfigureAwait(false);

                var reasons = await PrintAsync(client, stop).ConfigureAwait(false);
                using var self = Process.GetCurrentProcess();
                Console.WriteLine($"demo: {calls:N0} calls and {errors:N0} error records landed in {elapsed.TotalSeconds:F1} s "
                    + $"({expected.Messages / elapsed.TotalSeconds:N0} messages/s, {expected.Calls / elapsed.TotalSeconds:N0} calls/s end to end); "
                    + $"peak memory {self.PeakWorkingSet64 >> 20} MiB; total {clock.Elapsed.TotalSeconds:F1} s");
                // Order-independent: every call once; every malformed message and every orphan end has its record. A
                // late start (more than the end timeout after its end) gets start_missing only if the end's timeout came
                // before the start was read, which depends on how far one topic is read ahead of the other.
                var startMissing = reasons.GetValueOrDefault("start_missing");
                var malformed = reasons.Where(r => r.Key != "start_missing").Sum(r => r.Value);
                var ok = calls == expected.CallsInTable && malformed == expected.Malformed
                    && startMissing >= expected.StartMissingErrors - expected.LateStarts && startMissing <= expected.StartMissingErrors;
                Console.WriteLine(ok
                    ? $"demo: OK — all {calls:N0} calls landed once; {malformed:N0} malformed messages and {startMissing:N0} ends without a start have their error records"
                    : $"demo: MISMATCH — expected {expected.CallsInTable:N0} calls, {expected.Malformed:N0} malformed and "
                      + $"{expected.StartMissingErrors - expected.LateStarts:N0}–{expected.StartMissingErrors:N0} start_missing records");
                return ok ? 0 : 1;
            }
        }
        finally
        {
            await clickHouse.DisposeAsync().ConfigureAwait(false);
            if (ownsData)
            {
                TryDelete(dataDir);
            }
        }
    }

    private static ServiceSettings Settings(string bootstrap, string clickHouse, string dataDir) => new()
    {
        Ingest = new IngestOptions { BootstrapServers = bootstrap, GroupId = "calljoin-demo", Ownership = IngestOwnership.Static },
        ClickHouse = new ClickHouseEndpoint(clickHouse, Database),
        Sink = new SinkOptions
        {
            MaxBatchDelay = TimeSpan.FromMilliseconds(500),
            Database = Database,
        },
        State = new PendingStoreOptions { Directory = Path.Combine(dataDir, "state"), MemoryBudgetBytes = 64L << 20, DeleteOnDispose = true },
        IdleAdvanceAfter = TimeSpan.FromSeconds(1),
        HttpPort = 0,
    };

    private static async Task PublishAsync(string bootstrap, WeaveWorkload workload, CancellationToken stop)
    {
        // lz4: the embedded broker keeps at most 5 MiB per partition, compressed as produced.
        using var publisher = new CallPublisher(new PublisherOptions
        {
            BootstrapServers = bootstrap,
            MaxInFlight = 20_000,
            Settings = new Dictionary<string, string> { ["compression.type"] = "lz4", ["linger.ms"] = "5" },
        });
        var progress = ConsoleProgress.OnStandardError("demo", "messages");
        var planned = workload.Expected.Messages;
        long messages = 0;
        foreach (var e in workload.Events())
        {
            if ((++messages & 1023) == 0)
            {
                progress.Update(messages, messages, planned, "publishing");
            }

            if (e.Side == CallSide.Start)
            {
                await publisher.PublishStartAsync(e.Key, e.Payload, e.TimestampMillis, stop).ConfigureAwait(false);
            }
            else
            {
                await publisher.PublishEndAsync(e.Key, e.Payload, e.TimestampMillis, stop).ConfigureAwait(false);
            }
        }

        await publisher.FlushAsync(stop).ConfigureAwait(false);
        progress.Finish();
    }

    /// <summary>
    /// Shows progress, checked every second, until every call is in calls_complete and every error record the join wrote is in
    /// calljoin_errors, with all input read and every timeout due (or 5 minutes pass).
    /// </summary>
    private static async Task<(long Calls, long Errors)> WatchAsync(ClickHouseClient client, CallJoinService service,
        WorkloadExpectation expected, CancellationToken stop)
    {
        var deadline = Stopwatch.StartNew();
        var progress = ConsoleProgress.OnStandardError("demo", "calls landed");
        long calls = 0, errors = 0;
        while (deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(1000, stop).ConfigureAwait(false);
            calls = await CountAsync(client, $"SELECT count() FROM {Database}.calls_complete FINAL", stop).ConfigureAwait(false);
            errors = await CountAsync(client, $"SELECT count() FROM {Database}.calljoin_errors FINAL", stop).ConfigureAwait(false);
            var s = service.Snapshot;
            var lag = service.Ingest?.Lag.Sum(l => l.Messages) ?? 0;
            var written = s.Malformed + s.StartMissing + s.Conflicts + s.KeyCollisions + s.HalvesTooLarge + (service.Sink?.RowsOverInsertLimit ?? 0) + (service.Sink?.RejectedRows ?? 0);
            progress.Update(calls, calls, expected.CallsInTable,
                $"consumed {s.StartsConsumed + s.EndsConsumed:N0}/{expected.Messages:N0}, lag {lag:N0}, matched {s.Matched:N0}, "
                + $"running rows {s.RunningRows:N0}, pending {s.State.Entries:N0}, calljoin_errors {errors:N0}");
            var allDue = s.StreamTimeMillis >= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 10_000;
            if (calls == expected.CallsInTable && service.Ingest?.IsCaughtUp == true && allDue && errors == written)
            {
                break;
            }
        }

        progress.Finish();
        return (calls, errors);
    }

    /// <summary>Prints the tables' contents; returns the error records by reason.</summary>
    private static async Task<Dictionary<string, long>> PrintAsync(ClickHouseClient client, CancellationToken stop)
    {
        Console.WriteLine("demo: calls_complete FINAL by kind:");
        await PrintQueryAsync(client,
            $"SELECT if(ended_at = toDateTime64(0, 6), 'running', if(exception = '', 'complete', 'complete with exception')) AS kind, count() FROM {Database}.calls_complete FINAL GROUP BY kind ORDER BY kind", stop).ConfigureAwait(false);
        Console.WriteLine("demo: calljoin_errors FINAL by reason:");
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync($"SELECT reason, count() FROM {Database}.calljoin_errors FINAL GROUP BY reason ORDER BY reason", cancellationToken: stop).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                reasons[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                Console.WriteLine($"  {reader.GetString(0)}  {reasons[reader.GetString(0)]:N0}");
            }
        }

        Console.WriteLine("demo: one trace, root first:");
        await PrintQueryAsync(client,
            $"""
            SELECT id, parent_id, op_name, started_at, ended_at, length(inputs_dump) AS inputs_bytes, substring(output_dump, 1, 60) AS output
            FROM {Database}.calls_complete FINAL
            WHERE trace_id = (SELECT trace_id FROM {Database}.calls_complete FINAL GROUP BY trace_id ORDER BY count() DESC, trace_id LIMIT 1)
            ORDER BY started_at LIMIT 6
            """, stop).ConfigureAwait(false);
        return reasons;
    }

    private static async Task PrintQueryAsync(ClickHouseClient client, string sql, CancellationToken stop)
    {
        using var reader = await client.ExecuteReaderAsync(sql, cancellationToken: stop).ConfigureAwait(false);
        while (reader.Read())
        {
            var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                DBNull => "NULL",
                DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture),
            });
            Console.WriteLine("  " + string.Join("  ", values));
        }
    }

    private static async Task<long> CountAsync(ClickHouseClient client, string sql, CancellationToken stop) =>
        Convert.ToInt64(await client.ExecuteScalarAsync(sql, cancellationToken: stop).ConfigureAwait(false), CultureInfo.InvariantCulture);

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
