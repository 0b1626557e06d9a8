using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallJoin.Chaos;
using CallJoin.Core;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using Confluent.Kafka;

namespace CallJoin.Bench.BoundedState;

/// <summary>
/// Restart-to-ready of a real <c>calljoin run</c> (static ownership, FASTER state with default settings) holding a
/// million open halves: starts whose ends never come within the run. Timed from the process start to <c>/readyz</c>
/// answering 200 after a graceful stop, after kill -9, and on an empty volume, which also re-reads what it must.
/// </summary>
internal static class RestartMeasurement
{
    private const string Database = "restart";

    public static async Task<RestartResult> RunAsync(int openHalves, Action<string> log)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"calljoin-bench-restart-{Environment.ProcessId}");
        var state = Path.Combine(folder, "volume");
        var partitions = Math.Max(12, (int)Math.Ceiling(openHalves * 260.0 / (3 << 20)));   // under 3 MiB a partition
        using var broker = EmbeddedBroker.Start();
        broker.CreateTopic(WeaveTopics.CallStarted, partitions);
        broker.CreateTopic(WeaveTopics.CallEnded, partitions);
        RestartResult result;
        var clickHouse = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = Path.Combine(folder, "clickhouse") }).ConfigureAwait(false);
        await using (clickHouse.ConfigureAwait(false))
        {
            var published = Publish(broker.BootstrapServers, openHalves, partitions, log);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["CALLJOIN_KAFKA_BOOTSTRAP"] = broker.BootstrapServers,
                ["CALLJOIN_CLICKHOUSE"] = clickHouse.ConnectionString,
                ["WF_CLICKHOUSE_DATABASE"] = Database,
                ["CALLJOIN__KAFKA__OWNERSHIP"] = "static",
                ["CALLJOIN__JOIN__STARTTIMEOUT"] = "7200",   // the halves stay open for the whole run
                ["CALLJOIN__STATE__DIRECTORY"] = state,
                ["CALLJOIN__STATE__CHECKPOINTINTERVAL"] = "10",
                ["Logging__LogLevel__Default"] = "Information",
            };
            var serviceDll = Path.Combine(AppContext.BaseDirectory, "calljoin.dll");
            result = new RestartResult { OpenHalves = openHalves, Partitions = partitions, PublishedBytes = published };

            // First start: read everything, then stop gracefully (a final state checkpoint).
            using (var first = ServiceProcess.Start("first", serviceDll, environment, folder))
            {
                result = result with { FirstRead = await UntilConsumedAsync(first, openHalves, log).ConfigureAwait(false) };
                result = result with { EntriesBefore = await first.MetricAsync("calljoin_state_entries", default).ConfigureAwait(false) ?? 0 };
                var stop = Stopwatch.StartNew();
                await first.StopAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
                result = result with { GracefulStop = stop.Elapsed, PeakRssBytes = first.PeakBytes };
                log($"restart: first start read {openHalves:N0} in {result.FirstRead.TotalSeconds:F1} s; graceful stop {stop.Elapsed.TotalSeconds:F1} s");
            }

            var graceful = await TimeStartAsync("graceful", serviceDll, environment, folder, openHalves, log, kill: true).ConfigureAwait(false);
            var killed = await TimeStartAsync("after-kill", serviceDll, environment, folder, openHalves, log, kill: false).ConfigureAwait(false);
            Directory.Delete(state, recursive: true);
            var lost = await TimeStartAsync("lost-volume", serviceDll, environment, folder, openHalves, log, kill: false).ConfigureAwait(false);
            result = result with { Graceful = graceful, AfterKill = killed, LostVolume = lost };
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        return result;
    }

    /// <summary>
    /// Starts the service and times it to ready and to caught up; then waits past a state checkpoint and either kills it
    /// (-9, so the next start recovers that checkpoint) or stops it gracefully.
    /// </summary>
    private static async Task<RestartTiming> TimeStartAsync(string name, string serviceDll, Dictionary<string, string> environment, string folder,
        int openHalves, Action<string> log, bool kill)
    {
        var clock = Stopwatch.StartNew();
        using var service = ServiceProcess.Start(name, serviceDll, environment, folder);
        TimeSpan ready;
        while (true)
        {
            if (await service.ReadinessAsync(default).ConfigureAwait(false) is { Ready: true })
            {
                ready = clock.Elapsed;
                break;
            }

            if (service.HasExited || clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"restart {name}: not ready after {clock.Elapsed.TotalSeconds:F0} s: {service.LogTail()}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        foreach (var line in File.ReadLines(service.LogPath).Where(l => l.Contains("CallJoin.Service[", StringComparison.Ordinal)).Take(6))
        {
            log($"restart {name}:   {line}");
        }

        var entries = await service.MetricAsync("calljoin_state_entries", default).ConfigureAwait(false) ?? 0;
        var lag = Stopwatch.StartNew();
        while ((await service.MetricAsync("calljoin_state_entries", default).ConfigureAwait(false) ?? 0) < openHalves)
        {
            if (lag.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new InvalidOperationException($"restart {name}: state holds fewer than {openHalves:N0} halves after 10 min");
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        var complete = clock.Elapsed;
        var reread = (await service.ReadinessAsync(default).ConfigureAwait(false))?.Consumed ?? -1;
        log($"restart {name}: ready in {ready.TotalSeconds:F2} s with {entries:N0} halves restored; all {openHalves:N0} in state at {complete.TotalSeconds:F1} s, {reread:N0} messages re-read");
        await Task.Delay(TimeSpan.FromSeconds(15)).ConfigureAwait(false);   // past the next state checkpoint (every 10 s)
        if (kill)
        {
            service.Kill();
        }
        else
        {
            await service.StopAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        }

        return new RestartTiming(ready, (long)entries, complete, reread, service.PeakBytes);
    }

    private static async Task<TimeSpan> UntilConsumedAsync(ServiceProcess service, int openHalves, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var nextLog = TimeSpan.FromSeconds(10);
        while (true)
        {
            var consumed = (await service.ReadinessAsync(default).ConfigureAwait(false))?.Consumed ?? 0;
            if (consumed >= openHalves)
            {
                return clock.Elapsed;
            }

            if (service.HasExited || clock.Elapsed > TimeSpan.FromMinutes(15))
            {
                throw new InvalidOperationException($"restart: read {consumed:N0} of {openHalves:N0} in {clock.Elapsed.TotalSeconds:F0} s: {service.LogTail()}");
            }

            if (clock.Elapsed > nextLog)
            {
                log($"restart: first start read {consumed:N0}");
                nextLog += TimeSpan.FromSeconds(10);
            }

            await Task.Delay(500).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes the starts (each call's, keyed by its id) and checks the broker kept them all.</summary>
    private static long Publish(string bootstrap, int count, int partitions, Action<string> log)
    {
        var calls = new SimulatedCalls(1_000_000, partitions, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, 0);
        var config = new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 20, BatchSize = 1 << 20, QueueBufferingMaxMessages = 200_000 };
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        var buffer = new byte[1024];
        var bytes = 0L;
        var clock = Stopwatch.StartNew();
        for (var i = 0L; i < count; i++)
        {
            var length = calls.WriteStart(i, buffer);
            bytes += length;
            var key = Encoding.ASCII.GetBytes(((ulong)i).ToString("x16", CultureInfo.InvariantCulture));
            var message = new Message<byte[], byte[]> { Key = key, Value = buffer[..length] };
            while (true)
            {
                try
                {
                    producer.Produce(new TopicPartition(WeaveTopics.CallStarted, calls.Partition(i)), message);
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        producer.Flush(TimeSpan.FromMinutes(5));
        log($"restart: published {count:N0} starts ({bytes / 1048576.0:F0} MiB) over {partitions} partitions in {clock.Elapsed.TotalSeconds:F1} s");
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "restart-check" }).Build();
        var held = 0L;
        for (var p = 0; p < partitions; p++)
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(WeaveTopics.CallStarted, p), TimeSpan.FromSeconds(10));
            if (marks.Low.Value != 0)
            {
                throw new InvalidOperationException($"restart: the broker dropped data on partition {p} (low watermark {marks.Low.Value}): too much per partition");
            }

            held += marks.High.Value;
        }

        return held == count ? bytes : throw new InvalidOperationException($"restart: the broker holds {held:N0} of {count:N0} starts");
    }

    public static void Write(StringBuilder report, RestartResult r)
    {
        report.AppendLine(CultureInfo.InvariantCulture, $"## Restart-to-ready with {r.OpenHalves:N0} open halves");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"""
            `calljoin run` as a child process (`dotnet calljoin.dll run`, static ownership, the FASTER store with its default
            256 MiB memory budget, state checkpoints every 10 s) on the embedded broker ({r.Partitions} partitions) and ClickHouse.
            {r.OpenHalves:N0} starts ({r.PublishedBytes / 1048576.0:F0} MiB) whose ends never come: the first start read them in
            {r.FirstRead.TotalSeconds:F1} s ({r.EntriesBefore:N0} halves in state) and stopped gracefully in {r.GracefulStop.TotalSeconds:F1} s (final state
            checkpoint). "Ready" is `/readyz` answering 200, timed from the process start (runtime start-up, migrations check,
            state recovery, timers restored, partitions assigned); "all in state" is when the state again holds every open half.
            """);
        report.AppendLine();
        report.AppendLine("| restart | ready | halves restored | all in state | messages re-read | peak RSS |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, t) in new[] { ("after a graceful stop", r.Graceful!), ("after kill -9", r.AfterKill!), ("on an empty volume (a lost volume)", r.LostVolume!) })
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {t.Ready.TotalSeconds:F2} s | {t.Restored:N0} | {t.AllInState.TotalSeconds:F1} s | {t.Reread:N0} | {t.PeakRssBytes / 1048576.0:F0} MiB |");
        }

        report.AppendLine();
    }
}

/// <summary>One timed start.</summary>
internal sealed record RestartTiming(TimeSpan Ready, long Restored, TimeSpan AllInState, long Reread, long PeakRssBytes);

/// <summary>The restart measurement's figures.</summary>
internal sealed record RestartResult
{
    public int OpenHalves { get; init; }

    public int Partitions { get; init; }

    public long PublishedBytes { get; init; }

    public TimeSpan FirstRead { get; init; }

    public double EntriesBefore { get; init; }

    public TimeSpan GracefulStop { get; init; }

    public long PeakRssBytes { get; init; }

    public RestartTiming? Graceful { get; init; }

    public RestartTiming? AfterKill { get; init; }

    public RestartTiming? LostVolume { get; init; }
}
