using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CallJoin.ClickHouse.Sink;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Nothing lost, nothing doubled when the service is killed with SIGKILL or ClickHouse goes away mid-stream.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceFailureTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private const string CallsFinal = "SELECT count() FROM {db}.calls_complete FINAL";

    [Fact]
    public async Task A_service_killed_with_sigkill_mid_stream_and_started_again_lands_every_call_once()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 6_000, Seed = 21 });
        var expected = workload.Expected;
        var events = workload.Events().ToList();
        var firstPart = events.Count / 2;
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var state = harness.NewStateDirectory();
        var firstOutput = "";

        using (var first = ChildService.Start(harness, state, new Dictionary<string, string> { ["CALLJOIN__HTTP__PORT"] = $"{port}" }))
        {
            // Half the workload with ClickHouse up: rows land and a state checkpoint follows them.
            await harness.PublishAsync(events.Take(firstPart));
            await harness.WaitForAsync("SELECT least(count(), 1) FROM {db}.calls_complete", 1);

            // The rest while ClickHouse is away: the service reads it, but its rows cannot become durable. That is
            // "mid-stream" for certain: consumed beyond the first half, rows buffered and unacknowledged.
            await clickHouse.Server.SuspendAsync();
            try
            {
                await harness.PublishAsync(events.Skip(firstPart));
                await Eventually.TrueAsync(async () => await ReadinessAsync(http) is { Consumed: var consumed, BufferedBytes: > 0 } && consumed > firstPart,
                    "the service read past the first half and holds unacknowledged rows while ClickHouse is down");
                first.Kill();   // SIGKILL: no drain, no final commit
                firstOutput = first.Output;
            }
            finally
            {
                await clickHouse.Server.ResumeAsync();
            }
        }

        // Nothing writes now: what is in the table is what was durable at the kill, short of the whole workload.
        Assert.InRange(await harness.ScalarAsync(CallsFinal), 1, expected.CallsInTable - 1);

        // The second run reopens the last state checkpoint (taken before the outage) and reads on from its positions.
        using var second = ChildService.Start(harness, state);
        using var showLogs = new OutputOnFailure(() => $"first run:\n{firstOutput}\nsecond run:\n{second.Output}");
        Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.RunningOnlyRows, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)"));
        Assert.Equal(expected.ErrorRecords, await harness.WaitForAsync("SELECT count() FROM {db}.calljoin_errors FINAL", expected.ErrorRecords));
        Assert.Equal(0, await harness.ScalarAsync("SELECT count() FROM (SELECT id FROM {db}.calls_complete FINAL GROUP BY id HAVING count() > 1)"));
        Assert.Equal(0, second.ExitCodeIfExited());
    }

    [Fact]
    public async Task While_clickhouse_is_down_the_service_pauses_and_reports_not_ready_then_lands_everything_once()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 3_000, Seed = 31 });
        var expected = workload.Expected;
        var settings = harness.Settings() with
        {
            // Small batches and a small buffer: the outage fills it quickly, so the partitions pause.
            Sink = harness.Settings().Sink with { MaxBatchBytes = 256 * 1024, MaxBufferedBytes = 1024 * 1024, RetryMaxDelay = TimeSpan.FromMilliseconds(500) },
        };
        await using var service = await ServiceHarness.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        await clickHouse.Server.SuspendAsync(timeout.Token);
        try
        {
            await harness.PublishAsync(workload.Events());
            // Backpressure, not a state checkpoint's brief pause: the sink holds more than its bound and reading stops.
            await Eventually.TrueAsync(() => service.Service.Ingest!.IsPaused && service.Service.Sink!.BufferedBytes > settings.Sink.MaxBufferedBytes,
                "the ingest paused while ClickHouse was down, the sink full");
            Assert.True(service.Service.Sink!.BufferedBytes <= settings.Sink.MaxBufferedBytes + settings.Sink.MaxBatchBytes + (4 << 20));
            await Eventually.TrueAsync(async () =>
            {
                using var readyz = await http.GetAsync(new Uri("readyz", UriKind.Relative), timeout.Token);
                return readyz.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable;
            }, "/readyz reported not ready");
            var sinkError = "";
            await Eventually.TrueAsync(async () =>
            {
                using var readyz = await http.GetAsync(new Uri("readyz", UriKind.Relative), timeout.Token);   // 503: not ready
                sinkError = JsonDocument.Parse(await readyz.Content.ReadAsStringAsync(timeout.Token)).RootElement.GetProperty("lastSinkError").GetString();
                return sinkError is not null;
            }, "/readyz named the sink's failure");
            Assert.True(sinkError is "connection_refused" or "network_error", $"a code (refused, or a kept-alive connection cut), not the socket's text: {sinkError}");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative), timeout.Token)).StatusCode);
        }
        finally
        {
            await clickHouse.Server.ResumeAsync(timeout.Token);
        }

        Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.ErrorRecords, await harness.WaitForAsync("SELECT count() FROM {db}.calljoin_errors FINAL", expected.ErrorRecords));
        Assert.True(service.Service.Sink!.Retries > 0);
    }

    [Fact]
    public async Task A_sink_failure_retrying_cannot_fix_stops_the_service_with_a_log_line_and_exit_code_1()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 200, Seed = 41 });
        await harness.PublishAsync(workload.Events());

        // Not migrated: the database is empty, so the first insert meets UNKNOWN_TABLE, which no retry can fix.
        using var child = ChildService.Start(harness, harness.NewStateDirectory(), new Dictionary<string, string> { ["CALLJOIN__CLICKHOUSE__MIGRATE"] = "false" });

        Assert.True(child.WaitForExit(TimeSpan.FromMinutes(2)), "the service kept running after its sink stopped");
        Assert.Equal(1, child.ExitCodeIfExited());
        Assert.Contains("ClickHouse sink stopped", child.Output, StringComparison.Ordinal);
        Assert.Contains("exiting with code 1", child.Output, StringComparison.Ordinal);
    }

    /// <summary>The readiness body's counts; null while the child is not answering yet.</summary>
    private static async Task<Readiness?> ReadinessAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            return JsonSerializer.Deserialize<Readiness>(await response.Content.ReadAsStringAsync(), JsonSerializerOptions.Web);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A port free right now, for a child process whose address the test must know.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Readiness(long Consumed, long BufferedBytes);
}
