using CallJoin.Testing;

namespace CallJoin.Cli.Tests;

/// <summary>The environment variables the commands read for their defaults, and options overriding them.</summary>
public sealed class EnvironmentTests(ClickHouseFixture clickHouse, BrokerFixture kafka)
{
    [Fact]
    public async Task Migrate_takes_ClickHouse_and_its_database_from_the_environment()
    {
        var database = await clickHouse.CreateDatabaseAsync("cli_env");

        var (exitCode, output, errors) = await CalljoinProcess.RunAsync(
            new Dictionary<string, string> { ["CALLJOIN_CLICKHOUSE"] = clickHouse.ConnectionString, ["WF_CLICKHOUSE_DATABASE"] = database },
            "migrate");

        Assert.True(exitCode == 0, output + errors);
        Assert.Contains($"to database '{database}'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_option_wins_over_the_environment()
    {
        var database = await clickHouse.CreateDatabaseAsync("cli_option");

        var (exitCode, output, errors) = await CalljoinProcess.RunAsync(
            new Dictionary<string, string> { ["CALLJOIN_CLICKHOUSE"] = "Host=127.0.0.1;Port=1;Protocol=http", ["WF_CLICKHOUSE_DATABASE"] = "not_this_one" },
            "migrate", "--clickhouse", clickHouse.ConnectionString, "--database", database);

        Assert.True(exitCode == 0, output + errors);
        Assert.Contains($"to database '{database}'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Produce_takes_the_bootstrap_servers_from_the_environment()
    {
        var topics = kafka.CreateTopics(2, "cli-starts", "cli-ends");

        var (exitCode, output, errors) = await CalljoinProcess.RunAsync(
            new Dictionary<string, string> { ["CALLJOIN_KAFKA_BOOTSTRAP"] = kafka.BootstrapServers },
            "produce", "--calls", "20", "--clean", "--start-topic", topics[0], "--end-topic", topics[1]);

        Assert.True(exitCode == 0, output + errors);
        var starts = (await kafka.EndOffsetsAsync(topics[0], 2)).Sum();
        var ends = (await kafka.EndOffsetsAsync(topics[1], 2)).Sum();
        Assert.Equal(20, starts);
        Assert.Equal(20, ends);
        Assert.Contains("40 messages", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "give --cutoff YYYY-MM-DD or set MIGRATION_CUTOFF_DATE.")]
    [InlineData("March", "--cutoff (or MIGRATION_CUTOFF_DATE) expects a date YYYY-MM-DD, got 'March'.")]
    public async Task Backfill_reads_its_cutoff_from_MIGRATION_CUTOFF_DATE(string cutoff, string error)
    {
        var (exitCode, output, errors) = await CalljoinProcess.RunAsync(
            new Dictionary<string, string> { ["MIGRATION_CUTOFF_DATE"] = cutoff, ["CALLJOIN_CLICKHOUSE"] = "Host=127.0.0.1;Port=1;Protocol=http" },
            "backfill", "--dry-run");

        Assert.True(exitCode == 2, output + errors);
        Assert.Equal($"calljoin backfill: {error}", errors.Trim());
    }

    [Fact]
    public async Task Backfill_runs_on_the_cutoff_MIGRATION_CUTOFF_DATE_gives()
    {
        var database = await clickHouse.CreateDatabaseAsync("cli_cutoff");
        var environment = new Dictionary<string, string> { ["CALLJOIN_CLICKHOUSE"] = clickHouse.ConnectionString, ["WF_CLICKHOUSE_DATABASE"] = database };
        Assert.Equal(0, (await CalljoinProcess.RunAsync(environment, "migrate")).ExitCode);
        environment["MIGRATION_CUTOFF_DATE"] = "2026-03-01";

        var (exitCode, output, errors) = await CalljoinProcess.RunAsync(environment, "backfill", "--dry-run");

        Assert.True(exitCode == 0, output + errors);
        Assert.Contains($"database '{database}', days before 2026-03-01", errors, StringComparison.Ordinal);
    }
}
