using CallJoin.Testing;
using CallJoin.Workload;
using ClickHouse.Driver;
using static CallJoin.Migration.Tests.Backfill.MigrationDatabases;

namespace CallJoin.Migration.Tests.Backfill;

/// <summary><c>calljoin backfill</c> on the command line: the cutoff is required, a dry run prints its days and writes nothing.</summary>
public sealed class BackfillCommandTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public void Without_a_cutoff_it_refuses_to_start_with_a_usage_error()
    {
        using var run = BackfillProcess.Start(clickHouse.ConnectionString, "default");

        Assert.Equal(2, run.WaitForExit(Bound));
        Assert.Contains(run.Output, line => line.Contains("--cutoff", StringComparison.Ordinal) && line.Contains("MIGRATION_CUTOFF_DATE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dry_run_prints_what_each_day_would_copy_and_a_summary_and_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(300, seed: 17));
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);

        using var run = BackfillProcess.Start(clickHouse.ConnectionString, db, "--cutoff", "2026-01-05", "--dry-run");

        Assert.True(run.WaitForExit(Bound) == 0, string.Join('\n', run.Output));
        Assert.Equal(4, run.Output.Count(line => line.Contains(" would copy: ", StringComparison.Ordinal)));
        Assert.Contains(run.Output, line => line.StartsWith("backfill: done in", StringComparison.Ordinal)
            && line.Contains($"{workload.Expected.CompleteRows:N0} complete", StringComparison.Ordinal));
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete"));
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{db}`.backfill_progress"));
    }
}
