using System.Globalization;
using CallJoin.Migration.Backfill;
using CallJoin.Testing;
using CallJoin.Workload;
using ClickHouse.Driver;
using static CallJoin.Migration.Tests.Backfill.MigrationDatabases;

namespace CallJoin.Migration.Tests.Backfill;

/// <summary>The backfill's run control: dry run, re-runs over completed days, memory errors, the default range.</summary>
public sealed class BackfillRunTests(ClickHouseFixture clickHouse)
{
    private static readonly DateOnly Cutoff = new(2026, 1, 6);

    [Fact]
    public async Task A_dry_run_reports_each_days_calls_and_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(600, seed: 3));
        var expected = workload.Expected;
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);

        using var runner = new BackfillRunner(client, new BackfillOptions { Database = db, Cutoff = Cutoff, DryRun = true });
        var summary = await runner.RunAsync(ct);

        Assert.True(summary.Succeeded, summary.Failure);
        Assert.True(summary.DryRun);
        Assert.Equal(new DateOnly(2026, 1, 1), summary.Days[^1].Day); // --until defaults to the oldest day with data
        Assert.Equal(expected.CompleteRows, summary.Total.Complete);
        Assert.Equal(expected.RunningOnlyRows, summary.Total.Running);
        Assert.Equal(expected.Calls - expected.CompleteRows - expected.RunningOnlyRows, summary.Total.EndOnly);
        Assert.True(summary.Days.Count(d => d.Counts.Rows > 0) >= 3, "the calls should spread over at least three days");
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete"));
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calljoin_errors"));
        Assert.Equal(0UL, await ScalarAsync(client, $"SELECT count() FROM `{db}`.backfill_progress"));
    }

    [Fact]
    public async Task A_second_run_skips_completed_days_and_a_rerun_of_a_day_adds_no_parts_and_no_duplicates()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(800, seed: 5));
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);
        var options = new BackfillOptions { Database = db, Cutoff = Cutoff, ChunkRows = 100 };
        using (var first = new BackfillRunner(client, options))
        {
            Assert.True((await first.RunAsync(ct)).Succeeded);
        }

        // No merges from here on: the plain row count then shows every insert that was not deduplicated.
        await client.ExecuteNonQueryAsync($"SYSTEM STOP MERGES `{db}`.calls_complete");
        var rows = await FinalRowsAsync(client, db);
        var errors = await ScalarAsync(client, $"SELECT count() FROM `{db}`.calljoin_errors FINAL");
        Assert.True(errors > 0, "the workload should leave start_missing records");
        var physical = await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete");
        var progressRows = await ScalarAsync(client, $"SELECT count() FROM `{db}`.backfill_progress");

        using (var second = new BackfillRunner(client, options))
        {
            var again = await second.RunAsync(ct);
            Assert.True(again.Succeeded);
            Assert.All(again.Days, d => Assert.True(d.Skipped, $"{d.Day} was not skipped"));
        }

        Assert.Equal(physical, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete"));
        Assert.Equal(progressRows, await ScalarAsync(client, $"SELECT count() FROM `{db}`.backfill_progress"));

        // A day found 'processing' (a killed run) is copied again: its inserts are deduplicated by their tokens.
        await client.ExecuteNonQueryAsync(
            $"INSERT INTO `{db}`.backfill_progress (batch_date, status, processed_count, error_count, updated_at) VALUES ('2026-01-02', 'processing', 0, 0, now64(3) + 1)");
        using (var third = new BackfillRunner(client, options))
        {
            var resumed = await third.RunAsync(ct);
            Assert.True(resumed.Succeeded, resumed.Failure);
            Assert.Equal([new DateOnly(2026, 1, 2)], resumed.Days.Where(d => !d.Skipped).Select(d => d.Day));
        }

        Assert.Equal(physical, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete"));
        Assert.Equal(rows, await FinalRowsAsync(client, db));
        Assert.Equal(errors, await ScalarAsync(client, $"SELECT count() FROM `{db}`.calljoin_errors FINAL"));
    }

    [Fact]
    public async Task A_memory_error_halves_the_window_until_it_fits_and_counts_only_the_halves()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(500, seed: 9));
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);
        var options = new BackfillOptions { Database = db, Cutoff = new DateOnly(2026, 1, 2), Until = new DateOnly(2026, 1, 1) };
        using var runner = new BackfillRunner(client, options);
        var copy = runner.CopyWindow;
        var tried = new List<BackfillWindow>();
        runner.CopyWindow = async (window, token) =>
        {
            tried.Add(window);
            var counts = await copy(window, token);
            // The read "runs out of memory" after writing, for anything longer than six hours.
            return window.Length > TimeSpan.FromHours(6)
                ? throw new InvalidOperationException("Code: 241. DB::Exception: Memory limit (for query) exceeded. (MEMORY_LIMIT_EXCEEDED)")
                : counts;
        };

        var summary = await runner.RunAsync(ct);

        Assert.True(summary.Succeeded, summary.Failure);
        Assert.Equal(3, summary.WindowsHalved); // 24 h -> 2 x 12 h -> 4 x 6 h
        Assert.Equal(7, tried.Count);
        var day = Assert.Single(summary.Days);
        var total = await ScalarAsync(client, $"SELECT count() FROM `{db}`.calls_complete FINAL");
        Assert.True(total > 0);
        Assert.Equal((long)total, day.Counts.Rows);
        Assert.Equal(total, await ScalarAsync(client, $"SELECT uniqExact(project_id, id) FROM `{db}`.calls_complete FINAL"));
    }

    [Fact]
    public async Task A_window_that_runs_out_of_memory_at_the_smallest_size_fails_its_day_and_stops_the_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var workload = new WeaveWorkload(ThreeDays(200, seed: 4));
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);
        var options = new BackfillOptions { Database = db, Cutoff = new DateOnly(2026, 1, 3), Until = new DateOnly(2026, 1, 1), MinWindow = TimeSpan.FromHours(12) };
        using var runner = new BackfillRunner(client, options);
        runner.CopyWindow = (_, _) => throw new InvalidOperationException("MEMORY_LIMIT_EXCEEDED");

        var summary = await runner.RunAsync(ct);

        Assert.False(summary.Succeeded);
        Assert.Contains("MEMORY_LIMIT_EXCEEDED", summary.Failure, StringComparison.Ordinal);
        var failed = Assert.Single(summary.Days);
        Assert.Equal((new DateOnly(2026, 1, 2), BackfillDayStatus.Failed), (failed.Day, failed.Status));
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT toString(batch_date), toString(argMax(status, updated_at)) FROM `{db}`.backfill_progress GROUP BY batch_date ORDER BY batch_date");
        var states = new List<string>();
        while (reader.Read())
        {
            states.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {reader.GetString(1)}"));
        }

        Assert.Equal(["2026-01-01 pending", "2026-01-02 failed"], states);
    }

    [Fact]
    public async Task The_memory_cap_is_sent_with_each_read_and_a_real_memory_limit_error_halves_the_window()
    {
        var ct = TestContext.Current.CancellationToken;
        // Large payloads (200-900 KB) on a third of the calls: a read of them needs more than 1 MiB, so every window
        // fails with a real MEMORY_LIMIT_EXCEEDED (241) from ClickHouse.
        var workload = new WeaveWorkload(ThreeDays(300, seed: 8) with { LargePayloads = 0.3 });
        var db = await LegacyAsync(clickHouse, workload, ct);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);
        var options = new BackfillOptions
        {
            Database = db,
            Cutoff = new DateOnly(2026, 1, 2),
            Until = new DateOnly(2026, 1, 1),
            MaxQueryMemoryBytes = 1024 * 1024,
            MinWindow = TimeSpan.FromHours(6),
        };
        using var runner = new BackfillRunner(client, options);

        var summary = await runner.RunAsync(ct);

        Assert.False(summary.Succeeded);
        Assert.Contains("MEMORY_LIMIT_EXCEEDED", summary.Failure, StringComparison.Ordinal);
        Assert.Equal(2, summary.WindowsHalved); // 24 h -> 12 h -> 6 h, which is not halved again
    }
}
