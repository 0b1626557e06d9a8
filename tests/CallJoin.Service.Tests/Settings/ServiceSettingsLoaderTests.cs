using CallJoin.Kafka.Ingest;
using CallJoin.Service.Settings;
using Microsoft.Extensions.Configuration;

namespace CallJoin.Service.Tests.Settings;

/// <summary>Configuration from upstream names and ours, with every problem reported at once.</summary>
public sealed class ServiceSettingsLoaderTests
{
    [Fact]
    public void Defaults_follow_the_plan()
    {
        var settings = Load([]);

        Assert.True(settings.Enabled);
        Assert.Equal("localhost:9092", settings.Ingest.BootstrapServers);
        Assert.Equal("weave.call_started", settings.Ingest.StartTopic);
        Assert.Equal("weave.call_ended", settings.Ingest.EndTopic);
        Assert.Equal(IngestOwnership.Group, settings.Ingest.Ownership);
        Assert.Equal("default", settings.ClickHouse.Database);
        Assert.Equal(("default", "calls_complete"), (settings.Sink.Database, settings.Sink.CallsTable));
        Assert.Equal(TimeSpan.FromMinutes(5), settings.Join.StartTimeout);
        Assert.Equal(TimeSpan.FromDays(7), settings.Join.StartRetention);
        Assert.Equal(256L << 20, settings.State!.MemoryBudgetBytes);
        Assert.Equal(8080, settings.HttpPort);
        Assert.Null(settings.HttpAddress);   // every interface, as before the setting existed
        Assert.Equal(TimeSpan.FromSeconds(30), settings.CheckpointInterval);
        Assert.False(settings.Sink.Discard);
    }

    [Fact]
    public void A_discarding_sink_is_read_and_needs_late_partners_from_state()
    {
        var settings = Load(new() { ["CallJoin:Sink:Discard"] = "true", ["CallJoin:Join:LatePartners"] = "retainedstate" });
        Assert.True(settings.Sink.Discard);

        var error = Assert.Throws<SettingsException>(() => Load(new() { ["CallJoin:Sink:Discard"] = "true" }));
        Assert.Contains("CallJoin:Sink:Discard needs CallJoin:Join:LatePartners=RetainedState", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("[::1]", "::1")]
    [InlineData("10.0.0.7", "10.0.0.7")]
    [InlineData("*", null)]
    public void The_http_address_is_an_ip_localhost_or_every_interface(string text, string? expected) =>
        Assert.Equal(expected, Load(new() { ["CallJoin:Http:Address"] = text }).HttpAddress?.ToString());

    [Fact]
    public void Upstream_names_and_ours_are_read()
    {
        var settings = Load(new()
        {
            ["WF_KAFKA_BROKER_HOST"] = "kafka",
            ["WF_KAFKA_BROKER_PORT"] = "29092",
            ["WF_CLICKHOUSE_HOST"] = "ch",
            ["WF_CLICKHOUSE_DATABASE"] = "weave",
            ["ENABLE_CALL_COMPLETION_WORKER"] = "false",
            ["WF_CALL_COMPLETION_WORKER_BATCH_SIZE"] = "100",
            ["WF_CALL_COMPLETION_WORKER_BATCH_TIMEOUT"] = "5",
            ["CallJoin:Kafka:Ownership"] = "static",
            ["CallJoin:Kafka:Replicas"] = "3",
            ["HOSTNAME"] = "calljoin-2",
            ["CallJoin:Kafka:Settings:security.protocol"] = "SASL_SSL",
            ["CallJoin:Join:StartTimeout"] = "00:10:00",
            ["CallJoin:Join:EndTimeout"] = "90",
            ["CallJoin:State:Store"] = "memory",
        });

        Assert.False(settings.Enabled);
        Assert.Equal("kafka:29092", settings.Ingest.BootstrapServers);
        Assert.Contains("Host=ch", settings.ClickHouse.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(("weave", "calls_complete"), (settings.Sink.Database, settings.Sink.CallsTable));
        Assert.Equal(100, settings.Sink.MaxBatchRows);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Sink.MaxBatchDelay);
        Assert.Equal((IngestOwnership.Static, 2, 3), (settings.Ingest.Ownership, settings.Ingest.Ordinal, settings.Ingest.Replicas));
        Assert.Equal("SASL_SSL", settings.Ingest.Settings["security.protocol"]);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Join.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.Join.EndTimeout);
        Assert.Null(settings.State);
    }

    [Fact]
    public void The_clickhouse_password_reaches_the_driver_but_not_the_settings_text()
    {
        var settings = Load(new() { ["WF_CLICKHOUSE_USER"] = "weave", ["WF_CLICKHOUSE_PASS"] = "pa55;word-4f1c" });

        Assert.Contains("pa55;word-4f1c", settings.ClickHouse.ConnectionString, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55", settings.ToString(), StringComparison.Ordinal);   // records print their members
        Assert.Contains("Username=weave", settings.ClickHouse.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Environment_variables_with_double_underscores_reach_our_keys()
    {
        // Only this test sets these variables; the others load from memory.
        Environment.SetEnvironmentVariable("CALLJOIN__KAFKA__GROUPID", "weave-calljoin");
        Environment.SetEnvironmentVariable("CALLJOIN__HTTP__PORT", "9100");
        try
        {
            var settings = ServiceSettingsLoader.Load(new ConfigurationBuilder().AddEnvironmentVariables().Build());

            Assert.Equal("weave-calljoin", settings.Ingest.GroupId);
            Assert.Equal(9100, settings.HttpPort);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CALLJOIN__KAFKA__GROUPID", null);
            Environment.SetEnvironmentVariable("CALLJOIN__HTTP__PORT", null);
        }
    }

    [Fact]
    public void Every_problem_is_reported_at_once_naming_its_key()
    {
        var error = Assert.Throws<SettingsException>(() => Load(new()
        {
            ["WF_KAFKA_BROKER_PORT"] = "nope",
            ["CallJoin:Kafka:Ownership"] = "static",
            ["CallJoin:Kafka:Replicas"] = "2",
            ["CallJoin:Kafka:Ordinal"] = "2",
            ["CallJoin:Http:Port"] = "70000",
            ["CallJoin:Http:Address"] = "calljoin.example",
            ["CallJoin:Join:StartTimeout"] = "soon",
            ["ENABLE_CALL_COMPLETION_WORKER"] = "maybe",
            ["CallJoin:State:Store"] = "disk",
        }));

        foreach (var key in new[] { "WF_KAFKA_BROKER_PORT", "CallJoin:Kafka:Ordinal", "CallJoin:Http:Port", "CallJoin:Http:Address", "CallJoin:Join:StartTimeout", "ENABLE_CALL_COMPLETION_WORKER", "CallJoin:State:Store" })
        {
            Assert.Contains(key, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Static_ownership_without_an_ordinal_needs_a_statefulset_hostname() =>
        Assert.Contains("hostname 'worker' does not end in -N", Assert.Throws<SettingsException>(() => Load(new()
        {
            ["CallJoin:Kafka:Ownership"] = "static",
            ["CallJoin:Kafka:Replicas"] = "2",
            ["HOSTNAME"] = "worker",
        })).Message, StringComparison.Ordinal);

    [Fact]
    public void A_single_static_replica_owns_everything_without_an_ordinal() =>
        Assert.Equal(0, Load(new() { ["CallJoin:Kafka:Ownership"] = "static", ["HOSTNAME"] = "worker" }).Ingest.Ordinal);

    private static ServiceSettings Load(Dictionary<string, string?> values) =>
        ServiceSettingsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
