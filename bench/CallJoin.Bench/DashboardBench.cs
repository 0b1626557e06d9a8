using System.Diagnostics;
using CallJoin.Chaos;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core;
using CallJoin.Core.Join;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using CallJoin.Kafka.Ingest;
using CallJoin.Publishing;
using CallJoin.Service;
using CallJoin.Service.Hosting;
using CallJoin.Service.Settings;
using CallJoin.State;
using CallJoin.Workload;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallJoin.Bench;

/// <summary>
/// <c>calljoin-bench dashboard</c>: the service on the embedded broker and ClickHouse under a workload published in
/// real time, with broker request errors, a ClickHouse outage and a burst along the way; <c>/metrics</c> is scraped
/// every second and the dashboard's main panels are drawn from it into a PNG (samples/grafana/calljoin.png).
/// </summary>
internal static class DashboardBench
{
    private const string Database = "dashboard";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 80);
        var callsPerSecond = BenchArgs.Int(args, "--calls-per-second", 200);
        var partitions = BenchArgs.Int(args, "--partitions", 12);
        var output = BenchArgs.String(args, "--out") ?? "samples/grafana/calljoin.png";
        var folder = Path.Combine(Path.GetTempPath(), $"calljoin-bench-dashboard-{Environment.ProcessId}");
        var clock = Stopwatch.StartNew();
        void Log(string line) => Console.WriteLine($"dashboard {clock.Elapsed.TotalSeconds,5:F0}s  {line}");

        using var broker = EmbeddedBroker.Start();
        broker.CreateTopic(WeaveTopics.CallStarted, partitions);
        broker.CreateTopic(WeaveTopics.CallEnded, partitions);
        var clickHouse = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = Path.Combine(folder, "clickhouse") }).ConfigureAwait(false);
        await using (clickHouse.ConfigureAwait(false))
        {
            var app = CallJoinHost.ForSettings(Settings(broker.BootstrapServers, clickHouse.ConnectionString, Path.Combine(folder, "state")),
                logging => logging.SetMinimumLevel(LogLevel.Warning));
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync().ConfigureAwait(false);
                var service = app.Services.GetRequiredService<CallJoinService>();
                for (var wait = Stopwatch.StartNew(); !service.IsReady; await Task.Delay(200).ConfigureAwait(false))
                {
                    if (wait.Elapsed > TimeSpan.FromSeconds(120) || service.Completion.IsCompleted)
                    {
                        await Console.Error.WriteLineAsync($"dashboard: the service did not become ready: {service.Completion.Exception?.GetBaseException().Message}").ConfigureAwait(false);
                        return 4;
                    }
                }

                Log($"service ready on {CallJoinHost.LocalAddress(app)}; publishing {callsPerSecond} calls/s for {seconds - 10} s");
                var timeline = await DriveAsync(broker, clickHouse, new Uri(CallJoinHost.LocalAddress(app), "metrics"), seconds, callsPerSecond, Log).ConfigureAwait(false);
                await app.StopAsync().ConfigureAwait(false);

                var title = $"CallJoin — {seconds} s on the embedded broker and ClickHouse, {callsPerSecond} calls/s, {partitions} partitions";
                DashboardImage.Write(output, title, timeline.Timeline.Seconds, Panels(timeline.Timeline), timeline.Faults);
                Log($"wrote {output} ({new FileInfo(output).Length / 1024} KiB) from {timeline.Timeline.Count} scrapes");
            }
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        return 0;
    }

    /// <summary>Publishes in real time, applies the faults on a schedule and scrapes every second until the run's end.</summary>
    private static async Task<(MetricsTimeline Timeline, List<FaultWindow> Faults)> DriveAsync(EmbeddedBroker broker, EmbeddedClickHouseServer clickHouse,
        Uri metrics, int seconds, int callsPerSecond, Action<string> log)
    {
        var span = TimeSpan.FromSeconds(seconds - 10);
        var workload = new WeaveWorkload(Workload(DateTimeOffset.UtcNow.AddSeconds(1), span, (int)(callsPerSecond * span.TotalSeconds), seed: 1));
        var publisherOptions = new PublisherOptions
        {
            BootstrapServers = broker.BootstrapServers,
            Settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["compression.type"] = "lz4", ["linger.ms"] = "5" },
        };
        using var stop = new CancellationTokenSource();
        var publishing = new PacedPublisher(workload, publisherOptions, TimeProvider.System).RunAsync(stop.Token);
        var run = Stopwatch.StartNew();
        var faults = new List<FaultWindow>();
        var applying = ApplyFaultsAsync(broker, clickHouse, publisherOptions, seconds, callsPerSecond, run, faults, log, stop.Token);

        var timeline = new MetricsTimeline();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var next = TimeSpan.FromSeconds(1); run.Elapsed < TimeSpan.FromSeconds(seconds); next += TimeSpan.FromSeconds(1))
        {
            try
            {
                var text = await http.GetStringAsync(metrics).ConfigureAwait(false);
                timeline.Add(run.Elapsed.TotalSeconds, DateTimeOffset.UtcNow, text);
            }
            catch (HttpRequestException ex)
            {
                log($"scrape failed: {ex.Message}");
            }

            if (timeline.Count % 10 == 0)
            {
                log($"{timeline.Count} scrapes");
            }

            var wait = next - run.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }
        }

        await applying.ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAny(publishing).ConfigureAwait(false);
        return (timeline, faults);
    }

    /// <summary>Broker request errors at 20 % of the run, ClickHouse away for 15 s at 35 %, a burst of 8 s of calls at once at 65 %.</summary>
    private static async Task ApplyFaultsAsync(EmbeddedBroker broker, EmbeddedClickHouseServer clickHouse, PublisherOptions publisherOptions,
        int seconds, int callsPerSecond, Stopwatch run, List<FaultWindow> faults, Action<string> log, CancellationToken ct)
    {
        async Task At(double fraction) => await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, (seconds * fraction) - run.Elapsed.TotalSeconds)), ct).ConfigureAwait(false);

        await At(0.2).ConfigureAwait(false);
        var from = run.Elapsed.TotalSeconds;
        broker.PushRequestErrors(KafkaApiKey.Fetch, [.. Enumerable.Repeat(ErrorCode.NotLeaderForPartition, 20)]);
        broker.PushRequestErrors(KafkaApiKey.OffsetCommit, [.. Enumerable.Repeat(ErrorCode.RequestTimedOut, 5)]);
        faults.Add(new FaultWindow("broker request errors", from, from + 2));
        log("broker: 25 request errors queued on Fetch and OffsetCommit");

        await At(0.35).ConfigureAwait(false);
        from = run.Elapsed.TotalSeconds;
        log("ClickHouse suspended for 15 s");
        await clickHouse.SuspendAsync(ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
        await clickHouse.ResumeAsync(ct).ConfigureAwait(false);
        faults.Add(new FaultWindow("ClickHouse away", from, run.Elapsed.TotalSeconds));
        log("ClickHouse resumed");

        await At(0.65).ConfigureAwait(false);
        from = run.Elapsed.TotalSeconds;
        var burst = new WeaveWorkload(Workload(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), callsPerSecond * 8, seed: 2));
        using (var publisher = new CallPublisher(publisherOptions))
        {
            foreach (var e in burst.Events())
            {
                await publisher.PublishAsync(e.Side, e.Key, e.Payload, e.TimestampMillis, ct).ConfigureAwait(false);
            }

            await publisher.FlushAsync(ct).ConfigureAwait(false);
        }

        faults.Add(new FaultWindow("burst", from, Math.Max(run.Elapsed.TotalSeconds, from + 1)));
        log($"burst: {burst.Expected.Messages:N0} messages published at once");
    }

    /// <summary>
    /// Compact halves at a steady rate with every fate; timeouts of 10 s, so running rows, orphans and late matches
    /// happen within the run.
    /// </summary>
    private static WorkloadOptions Workload(DateTimeOffset epoch, TimeSpan span, int calls, int seed) => new()
    {
        Calls = calls,
        Seed = seed,
        Epoch = epoch,
        Span = span,
        MaxCallDuration = TimeSpan.FromSeconds(4),
        LongRunningAfter = TimeSpan.FromSeconds(12),
        OrphanEnd = 0.01,
        NeverEnds = 0.01,
        LongRunning = 0.02,
        LateStart = 0.005,
        Malformed = 0.005,
        CompactHalves = true,
        MediumPayloads = 0.02,
        LargePayloads = 0,
        MaxPayloadBytes = 64 * 1024,
    };

    private static ServiceSettings Settings(string bootstrap, string clickHouse, string stateDirectory) => new()
    {
        Ingest = new IngestOptions { BootstrapServers = bootstrap, GroupId = "calljoin-dashboard", Ownership = IngestOwnership.Static },
        ClickHouse = new ClickHouseEndpoint(clickHouse, Database),
        Join = new JoinOptions
        {
            StartTimeout = TimeSpan.FromSeconds(10),
            EndTimeout = TimeSpan.FromSeconds(10),
            StartRetention = TimeSpan.FromMinutes(2),
            EndRetention = TimeSpan.FromMinutes(2),
        },
        Sink = new SinkOptions
        {
            Database = Database,
            MaxBatchDelay = TimeSpan.FromMilliseconds(500),
            MaxBatchBytes = 512 << 10,
            MaxBufferedBytes = 3L << 19,   // 1.5 MiB: ClickHouse away for 15 s fills it, so the ingest pauses
            RetryMaxDelay = TimeSpan.FromSeconds(2),
        },
        State = new PendingStoreOptions { Directory = stateDirectory, MemoryBudgetBytes = 16L << 20, DeleteOnDispose = true },
        IdleAdvanceAfter = TimeSpan.FromSeconds(1),
        CheckpointInterval = TimeSpan.FromSeconds(5),
        HttpPort = 0,
    };

    /// <summary>The dashboard's panels in its order (three a row), computed from the scrapes as its PromQL computes them.</summary>
    private static List<DashboardPanel> Panels(MetricsTimeline t)
    {
        const double MiB = 1 << 20;
        double[] Scale(double[] values, double by) => [.. values.Select(v => v / by)];
        var ends = t.Rate(t.Sum("calljoin_halves_consumed_total", l => l.GetValueOrDefault("side") == "end"), 10);
        var matched = t.Rate(t.Sum("calljoin_calls_matched_total"), 10);
        return
        [
            new("Consumer lag", "messages", [.. t.SumBy("calljoin_kafka_lag", "topic").Select(s => (s.Key, s.Value))]),
            new("Halves consumed per side", "per second",
                [.. t.SumBy("calljoin_halves_consumed_total", "side").Select(s => ($"{s.Key}s consumed", t.Rate(s.Value))),
                 ("rows durable", t.Rate(t.Sum("calljoin_sink_rows_total")))]),
            new("Ingest paused (backpressure)", "1 = paused", [("paused", t.Sum("calljoin_kafka_paused"))]),
            new("Stream time behind wall clock", "seconds",
                [("behind", [.. t.Sum("calljoin_join_stream_time_seconds").Zip(t.WallClock, (s, w) => s > 0 ? w - s : double.NaN)]),
                 ("idle partitions", t.Sum("calljoin_join_idle_partitions"))]),
            new("Kafka client errors", "per second",
                [("client errors", t.Rate(t.Sum("calljoin_kafka_client_errors_total"))), ("commit failures", t.Rate(t.Sum("calljoin_kafka_commit_failures_total")))]),
            new("Held offsets", "offsets", [("held offsets", t.Sum("calljoin_kafka_held_offsets"))]),
            new("Match ratio (10 s)", "matched / end", [("matched / end", [.. matched.Zip(ends, (m, e) => e > 0 ? m / e : double.NaN)])]),
            new("Running rows and orphans", "per second",
                [("running rows", t.Rate(t.Sum("calljoin_rows_running_total"))),
                 ("start_missing (orphans)", t.Rate(t.Sum("calljoin_calls_start_missing_total"))),
                 ("late matched", t.Rate(t.Sum("calljoin_calls_late_matched_total")))]),
            new("Error records by reason", "per second", ErrorsByReason(t)),
            new("Join latency", "seconds",
                [("p50", t.Quantile("calljoin_join_latency_seconds", 0.5)), ("p99", t.Quantile("calljoin_join_latency_seconds", 0.99))]),
            new("Pending state size", "MiB",
                [("live values", Scale(t.Sum("calljoin_state_value_bytes"), MiB)), ("in memory (log + index)", Scale(t.Sum("calljoin_state_memory_bytes"), MiB)),
                 ("on disk", Scale(t.Sum("calljoin_state_disk_bytes"), MiB)), ("memory budget (log)", Scale(t.Sum("calljoin_state_memory_budget_bytes"), MiB))]),
            new("Pending entries and timers", "keys", [("entries", t.Sum("calljoin_state_entries")), ("timers", t.Sum("calljoin_state_timers"))]),
            new("Flush latency", "seconds",
                [("p50", t.Quantile("calljoin_sink_flush_latency_seconds", 0.5)), ("p99", t.Quantile("calljoin_sink_flush_latency_seconds", 0.99))]),
            new("Sink retries and failures", "per second",
                [("retries", t.Rate(t.Sum("calljoin_sink_retries_total"))), ("rejected rows", t.Rate(t.Sum("calljoin_sink_rejected_rows_total"))),
                 ("dropped error records", t.Rate(t.Sum("calljoin_sink_dropped_error_records_total")))]),
            new("Sink buffered bytes", "MiB",
                [("buffered", Scale(t.Sum("calljoin_sink_buffered_bytes"), MiB)), ("pause above", Scale(t.Sum("calljoin_sink_max_buffered_bytes"), MiB))]),
        ];
    }

    /// <summary>Error record rates for the four most frequent reasons, the rest summed as "other" (a legend of every reason would hide the lines).</summary>
    private static List<(string Label, double[] Values)> ErrorsByReason(MetricsTimeline t)
    {
        var byReason = t.SumBy("calljoin_errors_total", "reason").OrderByDescending(r => r.Value.Where(double.IsFinite).DefaultIfEmpty(0).Max()).ToList();
        var lines = byReason.Take(4).Select(r => (r.Key, t.Rate(r.Value))).ToList();
        if (byReason.Count > 4)
        {
            var rest = byReason.Skip(4).Select(r => r.Value).ToList();
            var other = Enumerable.Range(0, t.Count).Select(i => rest.Sum(r => double.IsFinite(r[i]) ? r[i] : 0)).ToArray();
            lines.Add(($"other ({rest.Count} reasons)", t.Rate(other)));
        }

        return lines;
    }
}
