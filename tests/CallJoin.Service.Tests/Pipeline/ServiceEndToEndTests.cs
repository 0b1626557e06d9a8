using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>
/// The whole path — a Weave-like workload published to the embedded broker, the service reading it through the join
/// engine into the embedded ClickHouse — against what the workload says must land.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceEndToEndTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private const string CallsFinal = "SELECT count() FROM {db}.calls_complete FINAL";
    private const string ErrorsFinal = "SELECT count() FROM {db}.calljoin_errors FINAL";

    [Fact]
    public async Task Every_call_lands_once_errors_land_by_reason_and_metrics_agree_with_the_tables()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(Options());
        var expected = workload.Expected;
        Assert.True(expected.RunningOnlyRows > 0 && expected.StartMissingErrors > 0 && expected.Malformed > 0 && expected.DuplicateHalves > 0,
            "the workload must exercise every rule");

        // Published first, then read as a backlog: the watermark across partitions keeps a topic read ahead of the
        // other from timing out halves whose partners are still unread, so even the order-dependent counts are exact.
        await harness.PublishAsync(workload.Events());
        await using var service = await ServiceHarness.StartAsync(harness.Settings());

        Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));
        Assert.Equal(expected.ErrorRecords, await harness.WaitForAsync(ErrorsFinal, expected.ErrorRecords));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.CompleteRows, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at > toDateTime64(0, 6)"));
        Assert.Equal(expected.RunningOnlyRows, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)"));
        foreach (var (reason, count) in expected.ErrorsByReason)
        {
            Assert.Equal(count, await harness.ScalarAsync($"SELECT count() FROM {{db}}.calljoin_errors FINAL WHERE reason = '{reason}'"));
        }

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
        // Ready once caught up; a state checkpoint or a sink flush on a loaded machine may hold it back for a moment.
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode == System.Net.HttpStatusCode.OK,
            "/readyz answers 200 once the backlog is read");

        // The snapshot behind the metrics is refreshed a few times a second and can trail the tables: read until it has
        // seen the last message and the last timeout (the error records, start_missing ones included, are the last).
        var metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            return PrometheusText.Sum(metrics, "calljoin_halves_consumed_total") >= expected.Messages
                && PrometheusText.Sum(metrics, "calljoin_errors_total") >= expected.ErrorRecords;
        }, $"/metrics counted all {expected.Messages} halves consumed and {expected.ErrorRecords} error records");

        Assert.Equal(expected.Starts, PrometheusText.Sum(metrics, "calljoin_halves_consumed_total", "side=\"start\""));
        Assert.Equal(expected.Ends, PrometheusText.Sum(metrics, "calljoin_halves_consumed_total", "side=\"end\""));
        Assert.Equal(expected.CompleteRows, PrometheusText.Sum(metrics, "calljoin_calls_matched_total"));
        Assert.Equal(expected.Malformed, PrometheusText.Sum(metrics, "calljoin_halves_malformed_total"));
        Assert.Equal(expected.DuplicateHalves, PrometheusText.Sum(metrics, "calljoin_halves_duplicate_total"));
        Assert.Equal(expected.StartMissingErrors, PrometheusText.Sum(metrics, "calljoin_calls_start_missing_total"));
        Assert.Equal(expected.ErrorRecords, PrometheusText.Sum(metrics, "calljoin_errors_total"));
        foreach (var (reason, count) in expected.ErrorsByReason)
        {
            Assert.Equal(count, PrometheusText.Sum(metrics, "calljoin_errors_total", $"reason=\"{reason}\""));
        }

        Assert.Equal(expected.CompleteRows + expected.RunningRows, PrometheusText.Sum(metrics, "calljoin_sink_rows_total"));
        Assert.Equal(0, PrometheusText.Sum(metrics, "calljoin_kafka_lag"));
        Assert.True(PrometheusText.Has(metrics, "calljoin_join_latency_seconds_bucket"));
        Assert.True(PrometheusText.Sum(metrics, "calljoin_sink_flush_latency_seconds_count") > 0);

        // Every timed-out half was looked up and left the state with its outcome: the state holds only what the join
        // window needs, and the matched calls are remembered outside it.
        Assert.True(PrometheusText.Has(metrics, "calljoin_lookups_requested_total"), "the lookups are counted on /metrics");
        Assert.True(service.Service.Snapshot.Lookups >= expected.RunningOnlyRows + expected.StartMissingErrors,
            $"{service.Service.Snapshot.Lookups} lookups for {expected.RunningOnlyRows} running rows and {expected.StartMissingErrors} start_missing records");
        await Eventually.TrueAsync(() => service.Service.Snapshot.State.Entries == 0, "every timed-out half left the state with its outcome");
        Assert.True(PrometheusText.Has(metrics, "calljoin_state_matched_calls"), "the remembered matched calls are on /metrics");
    }

    internal static WorkloadOptions Options() => new()
    {
        Calls = 2_000,
        Seed = 11,
        Epoch = DateTimeOffset.UtcNow - TimeSpan.FromHours(2),   // old records: once caught up, every timeout is due
        MediumPayloads = 0.05,
        LargePayloads = 0.002,
        MaxPayloadBytes = 60_000,   // under the 4 MiB test store's largest value (1/64 of its budget)

        // No end more than a timeout after its start and no start more than a timeout after its end: whether those
        // get a running row or start_missing first depends on how far one topic is read ahead of the other.
        LongRunning = 0,
        LateStart = 0,
    };
}
