using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Testing;
using CallJoin.Workload;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;

namespace CallJoin.Migration.Tests.Backfill;

/// <summary>Test databases for the backfill: a legacy one (call_parts written as the old server did) and a live one (the join).</summary>
internal static class MigrationDatabases
{
    /// <summary>The workload's calls start from 2026-01-01; over three days they end by 2026-01-04.</summary>
    public static WorkloadOptions ThreeDays(int calls, int seed = 11) =>
        new() { Calls = calls, Projects = 3, Span = TimeSpan.FromDays(3), Seed = seed };

    /// <summary>A migrated database whose call_parts hold the workload's halves.</summary>
    public static async Task<string> LegacyAsync(ClickHouseFixture clickHouse, WeaveWorkload workload, CancellationToken ct)
    {
        var db = await clickHouse.CreateDatabaseAsync("legacy");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        await new SchemaMigrator(client, db).MigrateAsync(ct: ct);
        await new LegacyCallPartsWriter(client, db).WriteAsync(workload.Events(), ct);
        return db;
    }

    /// <summary>A migrated database whose calls_complete holds what the live join wrote from the workload.</summary>
    public static async Task<string> LiveAsync(ClickHouseFixture clickHouse, WeaveWorkload workload, CancellationToken ct)
    {
        var db = await clickHouse.CreateDatabaseAsync("live");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        await new SchemaMigrator(client, db).MigrateAsync(ct: ct);
        var sink = new ClickHouseSink(client, new SinkOptions { Database = db });
        try
        {
            var engine = new JoinEngine<SinkOutput>(new InMemoryPendingStore(), new JoinOptions(), new SinkOutput(sink));
            long offset = 0;
            foreach (var e in workload.Events())
            {
                engine.Process(e.Side, e.Payload, e.Key, new SourcePosition(0, offset++), e.TimestampMillis);
            }

            engine.Drain();
            await sink.CompleteAsync(ct);
        }
        finally
        {
            await sink.DisposeAsync();
        }

        return db;
    }

    /// <summary>Every calls_complete FINAL row with every column but <paramref name="excluded"/>, as TSV, sorted by key.</summary>
    public static async Task<List<string>> FinalRowsAsync(ClickHouseClient client, string db, params string[] excluded)
    {
        var columns = string.Join(", ", CallsCompleteTable.Columns.Select(c => c.Name).Where(n => !excluded.Contains(n)));
        var rows = new List<string>();
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT formatRowNoNewline('TSV', {columns}) FROM `{db}`.calls_complete FINAL ORDER BY project_id, id, started_at");
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    public static async Task<ulong> ScalarAsync(ClickHouseClient client, string sql) =>
        Convert.ToUInt64(await client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    /// <summary>The join's output straight into the sink, as the replay command does.</summary>
    internal sealed class SinkOutput(ClickHouseSink sink) : IJoinOutput
    {
        public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources) => sink.AddRow(row, createdAtMillis, sources);

        public void OnError(in JoinError error) => sink.AddError(error);

        public void OnReleased(CallSide side, SourcePosition position)
        {
        }
    }
}
