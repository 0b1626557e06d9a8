using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>calljoin-service/null-sink</c> and <c>calljoin-service/clickhouse</c>: <c>calljoin run</c> as a child process,
/// configured by environment variables like a pod, reading the published backlog of both topics end to end.
/// </summary>
/// <remarks>
/// <para>
/// Timed from the moment <c>/readyz</c> says it consumes (start-up, migrations and the group join are not counted) to
/// the moment its <c>/metrics</c> show every message consumed, every call matched and nothing left unacknowledged in
/// the sink. Null sink: <c>CALLJOIN__SINK__DISCARD=true</c> (rows built, encoded and acknowledged, never sent),
/// late-partner lookups off (<c>LatePartners=retainedstate</c>), no migrations; the counts come from <c>/metrics</c>.
/// ClickHouse: the production defaults; the counts are checked in calls_complete FINAL.
/// </para>
/// <para>
/// Latency (ClickHouse only): after the backlog, <see cref="TrickleLatency"/> publishes a few calls in real time and
/// measures from a call's last half being handed to the producer to its complete row being visible.
/// </para>
/// </remarks>
internal sealed class ServiceContender(bool discard) : ICompareContender
{
    /// <summary>The share of the backlog counted as warm-up; the rate and CPU are measured over the rest.</summary>
    private const double WarmUpShare = 1.0 / 3;

    public string Name => discard ? "calljoin-service/null-sink" : "calljoin-service/clickhouse";

    public async Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct)
    {
        var database = data.Database(Name);
        var port = FreePort();
        var folder = Path.Combine(data.Directory, discard ? "service-null" : "service-clickhouse");
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CALLJOIN_KAFKA_BOOTSTRAP"] = data.Broker.BootstrapServers,
            ["CALLJOIN_CLICKHOUSE"] = data.ClickHouse.ConnectionString,
            ["WF_CLICKHOUSE_DATABASE"] = database,
            ["CALLJOIN__KAFKA__GROUPID"] = $"compare-{database}",
            ["CALLJOIN__KAFKA__GROUPINSTANCEID"] = "",
            ["CALLJOIN__HTTP__ADDRESS"] = "127.0.0.1",
            ["CALLJOIN__HTTP__PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CALLJOIN__STATE__DIRECTORY"] = Path.Combine(folder, "state"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (discard)
        {
            environment["CALLJOIN__SINK__DISCARD"] = "true";
            environment["CALLJOIN__JOIN__LATEPARTNERS"] = "retainedstate";
            environment["CALLJOIN__CLICKHOUSE__MIGRATE"] = "false";
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), Timeout = TimeSpan.FromSeconds(10) };
        var startUp = Stopwatch.StartNew();
        using var child = ChildProcess.Start(data.Options.ServiceDll, ["run"], environment, Path.Combine(folder, "service.log"));
        try
        {
            if (!await WaitReadyAsync(child, http, ct))
            {
                return ContenderResult.Failed(Name, data.Variant, $"the service exited before it was ready: {child.LogTail()}");
            }

            var readyAfter = startUp.Elapsed.TotalSeconds;

            var cpuAtStart = child.Sample();
            var harnessAtStart = ProcStat.SelfCpuSeconds();
            var clock = Stopwatch.StartNew();
            var expected = data.Expected;
            ServiceCounts counts;
            (double Seconds, double Cpu, double HarnessCpu, long Consumed)? warm = null;
            while (true)
            {
                var cpuNow = child.Sample();
                if (child.HasExited)
                {
                    return ContenderResult.Failed(Name, data.Variant, $"the service exited: {child.LogTail()}");
                }

                // A busy service may answer a scrape late (null): the next one counts.
                if (await ServiceCounts.TryReadAsync(http, ct) is { } read)
                {
                    counts = read;
                    if (warm is null && counts.Consumed >= expected.Messages * WarmUpShare)
                    {
                        warm = (clock.Elapsed.TotalSeconds, cpuNow, ProcStat.SelfCpuSeconds(), counts.Consumed);
                    }

                    if (counts.Consumed >= expected.Messages && counts.Matched >= expected.CompleteRows && counts.SinkRows >= expected.CompleteRows && counts.BufferedBytes == 0)
                    {
                        break;
                    }
                }

                await Task.Delay(100, ct);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var cpuAtEnd = child.Sample();
            var cpu = cpuAtEnd - cpuAtStart;
            var harnessCpu = ProcStat.SelfCpuSeconds();
            var (correct, note) = discard
                ? Check(counts, expected.Messages, expected.CompleteRows)
                : await CheckTableAsync(data, database, counts, ct);
            (double P50, double P99, string Note)? latency = null;
            if (!discard && correct)
            {
                latency = await new TrickleLatency(data, database).MeasureAsync(ct);
            }

            // After warm-up: from the scrape that first saw a third of the backlog consumed to the end. The whole backlog
            // (JIT tiers, first touch of the state's and the sink's memory) is in the note.
            var (from, cpuFrom, harnessFrom, consumedFrom) = warm ?? (0, cpuAtStart, harnessAtStart, 0);
            var steadyRecords = expected.Messages - consumedFrom;
            var steadyBytes = (long)((double)data.InputBytes * steadyRecords / expected.Messages);
            note = string.Create(CultureInfo.InvariantCulture,
                $"ready {readyAfter:F1} s after start (not timed); after warm-up (the last {steadyRecords:N0} messages, from {from:F1} s); whole backlog {expected.Messages / seconds:N0} records/s, {cpu / expected.Messages * 1e6:F1} CPU s / 1M; {note}");
            var result = ContenderResult.Measured(Name, data.Variant, steadyRecords, steadyBytes, seconds - from, cpuAtEnd - cpuFrom, child.PeakBytes, correct,
                latency is { } l ? $"{note}; {l.Note}" : note);
            return result with
            {
                HarnessCpuSecondsPerMillion = Math.Round((harnessCpu - harnessFrom) / steadyRecords * 1e6, 2),
                P50Ms = latency?.P50,
                P99Ms = latency?.P99,
            };
        }
        finally
        {
            await child.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static (bool, string) Check(ServiceCounts counts, long messages, long completeRows)
    {
        var ok = counts.Consumed == messages && counts.Matched == completeRows && counts.SinkRows >= completeRows;
        var text = $"/metrics: {counts.Consumed:N0} consumed, {counts.Matched:N0} matched, {counts.SinkRows:N0} rows acknowledged (expected {messages:N0}, {completeRows:N0}, at least {completeRows:N0})";
        return (ok, ok ? text : "MISMATCH " + text);
    }

    private static async Task<(bool, string)> CheckTableAsync(CompareData data, string database, ServiceCounts counts, CancellationToken ct)
    {
        var (metricsOk, metricsNote) = Check(counts, data.Expected.Messages, data.Expected.CompleteRows);
        var complete = Convert.ToInt64(await data.Client.ExecuteScalarAsync(
            $"SELECT count() FROM {database}.calls_complete FINAL WHERE ended_at > toDateTime64(0, 6)", cancellationToken: ct), CultureInfo.InvariantCulture);
        var ok = metricsOk && complete == data.Expected.CompleteRows;
        var note = $"calls_complete FINAL: {complete:N0} complete rows of {data.Expected.CompleteRows:N0}; {metricsNote}";
        return (ok, ok ? note : "MISMATCH " + note);
    }

    private static async Task<bool> WaitReadyAsync(ChildProcess child, HttpClient http, CancellationToken ct)
    {
        while (!child.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }

            child.Sample();
            await Task.Delay(100, ct);
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
