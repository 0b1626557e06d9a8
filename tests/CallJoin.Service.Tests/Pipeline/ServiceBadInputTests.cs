using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Bad input through the running service: the Kafka key is checked, and error records name the configured topics.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceBadInputTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    [Fact]
    public async Task A_key_that_is_not_the_id_is_a_key_mismatch_record_on_the_configured_topic_and_counted()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 1);
        const long t0 = 1_767_225_600_000;
        await harness.PublishAsync(
        [
            Event(CallSide.Start, "c1", """{"project_id":"p","id":"c1","op_name":"op","started_at":"2026-01-01T00:00:00Z"}""", t0),
            Event(CallSide.End, "not-c1", """{"project_id":"p","id":"c1","ended_at":"2026-01-01T00:00:01Z"}""", t0 + 1_000),
            Event(CallSide.Start, "c2", "{not json", t0 + 2_000),
        ]);
        await using var service = await ServiceHarness.StartAsync(harness.Settings());

        Assert.Equal(2, await harness.WaitForAsync("SELECT count() FROM {db}.calljoin_errors FINAL", 2));
        Assert.Equal(1, await harness.ScalarAsync(
            $"SELECT count() FROM {{db}}.calljoin_errors FINAL WHERE reason = 'key_mismatch' AND topic = '{harness.EndTopic}' AND call_id = 'c1' AND offset = 0 " +
            "AND payload LIKE '%\"ended_at\"%'"));
        Assert.Equal(1, await harness.ScalarAsync(
            $"SELECT count() FROM {{db}}.calljoin_errors FINAL WHERE reason = 'malformed_json' AND topic = '{harness.StartTopic}' AND offset = 1"));

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var metrics = "";
        for (var i = 0; i < 100 && PrometheusText.Sum(metrics, "calljoin_errors_total", "reason=\"key_mismatch\"") < 1; i++)
        {
            await Task.Delay(100);
            metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        }

        Assert.Equal(1, PrometheusText.Sum(metrics, "calljoin_errors_total", "reason=\"key_mismatch\""));
    }

    private static WorkloadEvent Event(CallSide side, string key, string payload, long timestamp) =>
        new(side, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(payload), timestamp, side == CallSide.Start ? WorkloadEventKind.Start : WorkloadEventKind.End);
}
