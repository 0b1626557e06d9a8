using CallJoin.Migration.Backfill;
using CallJoin.Testing;
using CallJoin.Workload;
using ClickHouse.Driver;
using static CallJoin.Migration.Tests.Backfill.MigrationDatabases;

namespace CallJoin.Migration.Tests.Backfill;

/// <summary>
/// The same workload through the live join and through call_parts -> calls_merged -> backfill gives the same
/// calls_complete rows under FINAL, column for column, except <c>source</c>; incomplete calls and progress as specified.
/// </summary>
public sealed class BackfillEquivalenceTests(ClickHouseFixture clickHouse)
{
    private static readonly DateOnly Cutoff = new(2026, 1, 6);
    private static readonly DateOnly Until = new(2025, 12, 31);

    [Fact]
    public async Task Backfilled_rows_equal_the_live_joins_column_for_column_and_incomplete_calls_are_treated_alike()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(2500));
        var expected = workload.Expected;
        var live = await LiveAsync(clickHouse, workload, ct);
        var legacy = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);

        using var runner = new BackfillRunner(client, new BackfillOptions { Database = legacy, Cutoff = Cutoff, Until = Until, ChunkRows = 500 });
        var summary = await runner.RunAsync(ct);

        Assert.True(summary.Succeeded, summary.Failure);
        var liveRows = await FinalRowsAsync(client, live, "source");
        var backfilledRows = await FinalRowsAsync(client, legacy, "source");
        Assert.Equal(expected.CallsInTable, liveRows.Count);
        Assert.Equal(liveRows, backfilledRows);
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{legacy}`.calls_complete FINAL WHERE source != 'migration'"));

        // Incomplete calls: running rows for starts alone; a start_missing record for each orphan end (late starts
        // have both halves in calls_merged, so unlike the live join the backfill has no record for them).
        var orphanEnds = expected.Calls - expected.CompleteRows - expected.RunningOnlyRows;
        Assert.True(orphanEnds > 0 && expected.RunningOnlyRows > 0, "the workload should hold orphan ends and calls that never end");
        Assert.Equal((ulong)expected.RunningOnlyRows, await ScalarAsync(client, $"SELECT count() FROM `{legacy}`.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)"));
        Assert.Equal((ulong)orphanEnds, await ScalarAsync(client, $"SELECT count() FROM `{legacy}`.calljoin_errors FINAL WHERE reason = 'start_missing'"));
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{legacy}`.calljoin_errors FINAL WHERE reason != 'start_missing'"));
        Assert.Equal(0UL, await ScalarAsync(client,
            $"SELECT count() FROM `{legacy}`.calljoin_errors FINAL WHERE (project_id, call_id) NOT IN (SELECT project_id, call_id FROM `{live}`.calljoin_errors FINAL WHERE reason = 'start_missing')"));

        // Progress: every day of the range completed, with the day's rows and records.
        Assert.Equal(6, summary.Days.Count);
        Assert.Equal(expected.CompleteRows, summary.Total.Complete);
        Assert.Equal(expected.RunningOnlyRows, summary.Total.Running);
        Assert.Equal(orphanEnds, summary.Total.EndOnly);
        using var progress = await client.ExecuteReaderAsync(
            $"SELECT toString(batch_date), toString(argMax(status, updated_at)), argMax(processed_count, updated_at), argMax(error_count, updated_at), groupArray(toString(status)) FROM `{legacy}`.backfill_progress GROUP BY batch_date ORDER BY batch_date");
        var days = 0;
        while (progress.Read())
        {
            days++;
            var day = DateOnly.Parse(progress.GetString(0), System.Globalization.CultureInfo.InvariantCulture);
            var result = summary.Days.Single(d => d.Day == day);
            Assert.Equal("completed", progress.GetString(1));
            Assert.Equal((ulong)result.Counts.Rows, Convert.ToUInt64(progress.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal((ulong)result.Counts.Errors, Convert.ToUInt64(progress.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(["completed", "pending", "processing"], ((string[])progress.GetValue(4)).Order(StringComparer.Ordinal));
        }

        Assert.Equal(6, days);
        Assert.Equal((ulong)(expected.CompleteRows + expected.RunningOnlyRows), await ScalarAsync(client,
            $"SELECT sum(c) FROM (SELECT argMax(processed_count, updated_at) AS c FROM `{legacy}`.backfill_progress GROUP BY batch_date)"));
    }
}
