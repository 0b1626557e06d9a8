using System.Diagnostics;
using CallJoin.Testing;
using CallJoin.Workload;
using ClickHouse.Driver;
using static CallJoin.Migration.Tests.Backfill.MigrationDatabases;

namespace CallJoin.Migration.Tests.Backfill;

/// <summary>
/// <c>calljoin backfill</c> killed with SIGKILL in the middle of a day, then run again, finishes the job: no day
/// skipped, no row twice under FINAL; a third run changes nothing.
/// </summary>
public sealed class BackfillKillTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Killed_mid_day_then_run_again_it_resumes_without_gaps_or_duplicates_and_a_third_run_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(1500, seed: 21));
        var expected = workload.Expected;
        var orphanEnds = expected.Calls - expected.CompleteRows - expected.RunningOnlyRows;
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);
        string[] range = ["--cutoff", "2026-01-06", "--until", "2025-12-31"];

        // Slow on purpose (200 rows/s, flushed every 50 rows): killed once a day is 'processing' and some of its rows are
        // durable, so the kill lands inside a day that is partly written.
        using (var first = BackfillProcess.Start(clickHouse.ConnectionString, db, [.. range, "--rows-per-second", "200", "--chunk-rows", "50"]))
        {
            var deadline = Stopwatch.StartNew();
            while (!await MidDayAsync(client, db))
            {
                Assert.False(first.HasExited, "the first run ended before it could be killed mid-day:\n" + string.Join('\n', first.Output));
                Assert.True(deadline.Elapsed < Bound, $"no day became 'processing' with rows written within {Bound}");
                await Task.Delay(50, ct);
            }

            first.Kill();
        }

        Assert.True(await ScalarAsync(client, $"SELECT count() FROM (SELECT argMax(status, updated_at) AS s FROM `{db}`.backfill_progress GROUP BY batch_date) WHERE s = 'processing'") == 1,
            "the kill should leave exactly one day 'processing'");
        Assert.True(await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete FINAL") < (ulong)expected.CallsInTable,
            "the kill should come before every row was written");

        using (var second = BackfillProcess.Start(clickHouse.ConnectionString, db, range))
        {
            Assert.True(second.WaitForExit(Bound) == 0, string.Join('\n', second.Output));
            Assert.Contains(second.Output, line => line.Contains("already completed, skipped", StringComparison.Ordinal));
        }

        Assert.Equal((ulong)expected.CallsInTable, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete FINAL"));
        Assert.Equal((ulong)expected.CallsInTable, await ScalarAsync(client, $"SELECT uniqExact(project_id, id) FROM `{db}`.calls_complete FINAL"));
        Assert.Equal((ulong)expected.CompleteRows, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete FINAL WHERE ended_at != toDateTime64(0, 6)"));
        Assert.Equal((ulong)orphanEnds, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calljoin_errors FINAL"));
        Assert.Equal((ulong)orphanEnds, await ScalarAsync(client, $"SELECT uniqExact(project_id, call_id) FROM `{db}`.calljoin_errors FINAL"));
        Assert.Equal(6UL, await ScalarAsync(client, $"SELECT count() FROM (SELECT argMax(status, updated_at) AS s FROM `{db}`.backfill_progress GROUP BY batch_date) WHERE s = 'completed'"));

        // Third run: everything is completed, so it reads nothing and writes nothing.
        await client.ExecuteNonQueryAsync($"SYSTEM STOP MERGES `{db}`.calls_complete");
        var physical = await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete");
        var errorRows = await ScalarAsync(client, $"SELECT count() FROM `{db}`.calljoin_errors");
        var progressRows = await ScalarAsync(client, $"SELECT count() FROM `{db}`.backfill_progress");
        using (var third = BackfillProcess.Start(clickHouse.ConnectionString, db, range))
        {
            Assert.True(third.WaitForExit(Bound) == 0, string.Join('\n', third.Output));
            Assert.Equal(6, third.Output.Count(line => line.Contains("already completed, skipped", StringComparison.Ordinal)));
        }

        Assert.Equal(physical, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete"));
        Assert.Equal(errorRows, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calljoin_errors"));
        Assert.Equal(progressRows, await ScalarAsync(client, $"SELECT count() FROM `{db}`.backfill_progress"));
    }

    /// <summary>A day is 'processing' and some of its rows are already in calls_complete: the run is inside a day.</summary>
    private static async Task<bool> MidDayAsync(ClickHouseClient client, string db) =>
        await ScalarAsync(client, $"""
            SELECT count() > 0 FROM `{db}`.calls_complete
            WHERE toDate(started_at) IN (
                SELECT batch_date FROM `{db}`.backfill_progress GROUP BY batch_date HAVING argMax(status, updated_at) = 'processing')
            """) == 1;
}
