using System.Diagnostics.Metrics;
using CallJoin.Testing;

namespace CallJoin.Routing.Tests;

/// <summary>
/// Automatic failover back to calls_merged, against the embedded ClickHouse: a mismatch verdict of calljoin validate for
/// a (day, project), a calls_complete read that errors, and the backfill state read from backfill_progress.
/// </summary>
public sealed class FailoverTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly DateTime Day2 = ReadPathDatabase.FirstDay.AddDays(1);
    private readonly RecordingLogger _log = new();
    private ReadPathDatabase _db = null!;
    private Meter _meter = null!;
    private MeasurementLog _measurements = null!;
    private RoutingOptions _options = new() { Cutoff = DateOnly.FromDateTime(ReadPathDatabase.FirstDay) };
    private CallRouter _router = null!;

    public async ValueTask InitializeAsync()
    {
        _db = await ReadPathDatabase.CreateAsync(clickHouse, tracesPerDay: 2);
        _meter = new Meter("test.failover");
        _measurements = new MeasurementLog(_meter);
        _router = new CallRouter(_db.Client, _db.Name, () => _options, new RoutingMetrics(_meter), _log);
        Assert.True(await _router.RefreshAsync());
    }

    public ValueTask DisposeAsync()
    {
        _measurements.Dispose();
        _meter.Dispose();
        _db.Dispose();
        return ValueTask.CompletedTask;
    }

    private static CallQuery Day2Query => new(ReadPathDatabase.ProjectA, Day2, Day2.AddDays(1));

    [Fact]
    public async Task A_mismatch_verdict_sends_that_day_and_project_to_calls_merged_until_a_newer_verdict_is_consistent()
    {
        Assert.Equal(ReadTable.CallsComplete, (await _router.ReadAsync(Day2Query)).Table);

        await _db.Client.ExecuteNonQueryAsync(
            $"INSERT INTO migration_validation (batch_date, project_id, status, mismatches, checked_at) VALUES ('2025-03-02', '{ReadPathDatabase.ProjectA}', 'mismatch', 3, '2025-03-10 00:00:00')");
        Assert.True(await _router.RefreshAsync());

        var read = await _router.ReadAsync(Day2Query);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.ValidationMismatch), (read.Table, read.Decision.Rule));
        Assert.True(read.Rows > 0);
        Assert.Equal(1, _measurements.Sum("calljoin.route.failovers", "reason", "validation_mismatch"));
        Assert.Contains(_log.Lines, l => l.EventId == 601 && l.Message.Contains(ReadPathDatabase.ProjectA, StringComparison.Ordinal));
        // Project B and the other days of project A are not affected.
        Assert.Equal(ReadTable.CallsComplete, (await _router.ReadAsync(Day2Query with { ProjectId = ReadPathDatabase.ProjectB })).Table);
        Assert.Equal(ReadTable.CallsComplete, (await _router.ReadAsync(Day2Query with { StartedAfter = Day2.AddDays(1), StartedBefore = null })).Table);

        await _db.Client.ExecuteNonQueryAsync(
            $"INSERT INTO migration_validation (batch_date, project_id, status, checked_at) VALUES ('2025-03-02', '{ReadPathDatabase.ProjectA}', 'consistent', '2025-03-11 00:00:00')");
        Assert.True(await _router.RefreshAsync());
        Assert.Equal(ReadTable.CallsComplete, (await _router.ReadAsync(Day2Query)).Table);
    }

    [Fact]
    public async Task A_failing_calls_complete_read_is_served_by_calls_merged_and_counted()
    {
        var expected = await _router.ReadOnAsync(ReadTable.CallsMerged, Day2Query);
        // A column the read needs disappears: every calls_complete read now fails on the server.
        await _db.Client.ExecuteNonQueryAsync("ALTER TABLE calls_complete DROP COLUMN turn_id");

        var read = await _router.ReadAsync(Day2Query);

        Assert.Equal(ReadTable.CallsComplete, read.Decision.Table);
        Assert.True(read.FailedOver);
        Assert.Equal(ReadTable.CallsMerged, read.Table);
        Assert.Equal(expected.Body.ToArray(), read.Body.ToArray());
        Assert.Equal(1, _measurements.Sum("calljoin.route.failovers", "reason", "read_error"));
        Assert.Equal(1, _measurements.Sum("calljoin.read.errors", "table", "calls_complete"));
        Assert.Contains(_log.Lines, l => l.EventId == 600 && l.Message.Contains("turn_id", StringComparison.Ordinal));

        _options = _options with { FailoverOnError = false };
        await Assert.ThrowsAnyAsync<Exception>(() => _router.ReadAsync(Day2Query));
    }

    [Fact]
    public async Task A_failing_residence_probe_sends_the_read_to_calls_merged()
    {
        var expected = await _router.ReadOnAsync(ReadTable.CallsMerged, Day2Query);
        await _db.Client.ExecuteNonQueryAsync("DROP TABLE calls_complete");

        var read = await _router.ReadAsync(Day2Query);

        Assert.Equal((ReadTable.CallsMerged, RouteRule.ReadFailover), (read.Table, read.Decision.Rule));
        Assert.Equal(expected.Body.ToArray(), read.Body.ToArray());
        Assert.Equal(1, _measurements.Sum("calljoin.route.failovers", "reason", "read_error"));
    }

    [Fact]
    public async Task A_range_before_the_cutoff_waits_for_every_day_to_be_backfilled()
    {
        _options = _options with { Cutoff = new DateOnly(2025, 3, 3) };
        var range = new CallQuery(ReadPathDatabase.ProjectA, ReadPathDatabase.FirstDay, Day2.AddDays(2));
        await _db.Client.ExecuteNonQueryAsync(
            "INSERT INTO backfill_progress (batch_date, status, processed_count, error_count, updated_at) VALUES " +
            "('2025-03-02', 'pending', 0, 0, '2025-03-05 00:00:00'), ('2025-03-02', 'completed', 10, 0, '2025-03-05 00:01:00'), " +
            "('2025-03-01', 'pending', 0, 0, '2025-03-05 00:00:00'), ('2025-03-01', 'processing', 0, 0, '2025-03-05 00:02:00')");
        Assert.True(await _router.RefreshAsync());
        Assert.Equal(new DateOnly(2025, 3, 1), _router.State.OldestLegacyDay);

        var before = await _router.RouteAsync(range.Route);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.BackfillIncomplete), (before.Table, before.Rule));
        Assert.Contains("2025-03-01 is processing", before.Reason, StringComparison.Ordinal);
        Assert.Equal(ReadTable.CallsComplete, (await _router.RouteAsync(new RouteRequest(ReadPathDatabase.ProjectA, Day2))).Table);

        await _db.Client.ExecuteNonQueryAsync(
            "INSERT INTO backfill_progress (batch_date, status, processed_count, error_count, updated_at) VALUES ('2025-03-01', 'completed', 12, 0, '2025-03-05 00:03:00')");
        Assert.True(await _router.RefreshAsync());
        Assert.Equal((ReadTable.CallsComplete, RouteRule.Migrated), ((await _router.RouteAsync(range.Route)).Table, (await _router.RouteAsync(range.Route)).Rule));
    }

    [Fact]
    public async Task A_failed_state_refresh_keeps_the_last_state_and_is_counted()
    {
        await _db.Client.ExecuteNonQueryAsync(
            $"INSERT INTO migration_validation (batch_date, project_id, status) VALUES ('2025-03-02', '{ReadPathDatabase.ProjectA}', 'mismatch')");
        Assert.True(await _router.RefreshAsync());
        var state = _router.State;
        await _db.Client.ExecuteNonQueryAsync("DROP TABLE migration_validation");

        Assert.False(await _router.RefreshAsync());

        Assert.Same(state, _router.State);
        Assert.Equal(RouteRule.ValidationMismatch, (await _router.RouteAsync(Day2Query.Route)).Rule);
        Assert.Equal(1, _measurements.Sum("calljoin.route.state_refresh_failures"));
        Assert.Contains(_log.Lines, l => l.EventId == 602);
    }

    [Fact]
    public async Task Residence_is_read_from_both_tables()
    {
        Assert.Equal(ProjectDataResidence.Both, await _router.Residence.GetAsync(ReadPathDatabase.ProjectA));
        Assert.Equal(ProjectDataResidence.Empty, await _router.Residence.GetAsync("entity/nobody"));
        await _db.Client.ExecuteNonQueryAsync(
            "INSERT INTO call_parts (id, project_id, started_at, op_name, trace_id, input_refs, output_refs) VALUES ('old-1', 'entity/legacy', '2025-03-01 01:00:00', 'op', 't', [], [])");
        Assert.Equal(ProjectDataResidence.MergedOnly, await _router.Residence.GetAsync("entity/legacy"));
        var d = await _router.RouteAsync(new RouteRequest("entity/legacy"));
        Assert.Equal((ReadTable.CallsMerged, RouteRule.Residence), (d.Table, d.Rule));
    }
}
