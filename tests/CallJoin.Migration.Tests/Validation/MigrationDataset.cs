using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Replay;
using CallJoin.Testing;
using CallJoin.Workload;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;

namespace CallJoin.Migration.Tests.Validation;

/// <summary>
/// A migrated database holding the same workload twice: in call_parts as the old trace server wrote it (folded into
/// calls_merged by the view), and in calls_complete / calljoin_errors as the live join writes it.
/// </summary>
internal sealed class MigrationDataset : IDisposable
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    private MigrationDataset(string database, string connectionString, ClickHouseClient client, WeaveWorkload workload) =>
        (Database, ConnectionString, Client, Workload) = (database, connectionString, client, workload);

    public string Database { get; }

    /// <summary>The endpoint's connection string (no default database: queries name theirs).</summary>
    public string ConnectionString { get; }

    /// <summary>A client whose default database is <see cref="Database"/>.</summary>
    public ClickHouseClient Client { get; }

    public WeaveWorkload Workload { get; }

    /// <summary>
    /// Several days and projects with running calls, end-only calls, late starts, long-running calls and malformed
    /// halves. No redelivered halves: the old path stores a redelivered part again and calls_merged concatenates its
    /// refs twice, a real difference validate reports (not what these tests are about).
    /// </summary>
    public static WorkloadOptions DefaultWorkload { get; } = new()
    {
        Calls = 1_200,
        Projects = 3,
        Seed = 5,
        Span = TimeSpan.FromDays(3),
        DuplicateHalf = 0,
        OrphanEnd = 0.02,
        NeverEnds = 0.02,
        LongRunning = 0.02,
        LateStart = 0.01,
        LargePayloads = 0,
    };

    /// <summary>The days (UTC) the workload's calls start on, with a day of margin either side.</summary>
    public static (DateOnly From, DateOnly To) Range { get; } = (new DateOnly(2025, 12, 31), new DateOnly(2026, 1, 5));

    public static async Task<MigrationDataset> CreateAsync(ClickHouseFixture clickHouse, WorkloadOptions? options = null)
    {
        var database = await clickHouse.CreateDatabaseAsync("validate");
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(database));
        await new SchemaMigrator(client, database).MigrateAsync();
        var workload = new WeaveWorkload(options ?? DefaultWorkload);
        using var timeout = new CancellationTokenSource(SafetyNet);

        await new LegacyCallPartsWriter(client, database, rowsPerInsert: 500).WriteAsync(workload.Events(), timeout.Token);

        await using (var sink = new ClickHouseSink(client, new SinkOptions { Database = database, Gzip = false }))
        {
            using var store = new InMemoryPendingStore();
            var engine = new JoinEngine<ClickHouseSinkOutput>(store, new JoinOptions(), new ClickHouseSinkOutput(sink));
            long startOffset = 0, endOffset = 0;
            foreach (var e in workload.Events())
            {
                var offset = e.Side == Core.Halves.CallSide.Start ? startOffset++ : endOffset++;
                engine.Process(e.Side, e.Payload, e.Key, new SourcePosition(0, offset), e.TimestampMillis);
                await sink.WaitForCapacityAsync(timeout.Token);
            }

            engine.Drain();
            await sink.CompleteAsync(timeout.Token);
        }

        return new MigrationDataset(database, clickHouse.ConnectionString, client, workload);
    }

    /// <summary>A complete call in calls_complete (the first by id), with the day of its started_at.</summary>
    public async Task<(string ProjectId, string Id, DateOnly Day)> CompleteCallAsync(string? notInProject = null)
    {
        var filter = notInProject is null ? "" : $" AND project_id != '{notInProject}'";
        using var reader = await Client.ExecuteReaderAsync(
            $"SELECT project_id, id, toString(toDate(started_at, 'UTC')) FROM calls_complete FINAL WHERE ended_at != toDateTime64(0, 6){filter} ORDER BY id LIMIT 1");
        Assert.True(reader.Read(), "calls_complete holds no complete call");
        return (reader.GetString(0), reader.GetString(1), DateOnly.ParseExact(reader.GetString(2), "yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    /// <summary>The call of <paramref name="day"/> that every sample of that day holds: the smallest cityHash64(project_id, id).</summary>
    public async Task<(string ProjectId, string Id)> FirstSampledCallAsync(DateOnly day)
    {
        using var reader = await Client.ExecuteReaderAsync(
            $"SELECT project_id, id FROM calls_complete FINAL WHERE toDate(started_at, 'UTC') = '{day:yyyy-MM-dd}' " +
            "ORDER BY cityHash64(project_id, id), project_id, id LIMIT 1");
        Assert.True(reader.Read(), $"calls_complete holds no call of {day}");
        return (reader.GetString(0), reader.GetString(1));
    }

    /// <summary>Supersedes a call's row with a newer version whose <paramref name="column"/> is <paramref name="value"/> (a SQL expression).</summary>
    public Task SupersedeAsync(string id, string column, string value) => Client.ExecuteNonQueryAsync(
        $"INSERT INTO calls_complete SELECT * REPLACE ({value} AS {column}, created_at + toIntervalMillisecond(1) AS created_at) FROM calls_complete AS t FINAL WHERE t.id = '{id}'");

    /// <summary>Inserts a copy of a call's row with <paramref name="column"/> set to <paramref name="value"/> (a SQL expression; the key is read as t.id, not the replaced alias).</summary>
    public Task CopyAsync(string id, string column, string value) => Client.ExecuteNonQueryAsync(
        $"INSERT INTO calls_complete SELECT * REPLACE ({value} AS {column}) FROM calls_complete AS t FINAL WHERE t.id = '{id}'");

    /// <summary>Removes the start_missing records of one end-only call; returns its project and id.</summary>
    public async Task<(string ProjectId, string Id)> DeleteStartMissingAsync()
    {
        using var reader = await Client.ExecuteReaderAsync(
            "SELECT project_id, call_id FROM calljoin_errors FINAL WHERE reason = 'start_missing' " +
            "AND call_id NOT IN (SELECT id FROM calls_complete) ORDER BY call_id LIMIT 1");
        Assert.True(reader.Read(), "calljoin_errors holds no start_missing record of an end-only call");
        var (project, id) = (reader.GetString(0), reader.GetString(1));
        await Client.ExecuteNonQueryAsync($"ALTER TABLE calljoin_errors DELETE WHERE call_id = '{id}' SETTINGS mutations_sync = 1");
        return (project, id);
    }

    /// <summary>Rewrites a column of a call's stored row in place (a synchronous mutation).</summary>
    public Task UpdateAsync(string id, string column, string value) => Client.ExecuteNonQueryAsync(
        $"ALTER TABLE calls_complete UPDATE {column} = {value} WHERE id = '{id}' SETTINGS mutations_sync = 1");

    /// <summary>Removes a call from calls_complete (a synchronous mutation).</summary>
    public Task DeleteAsync(string id) => Client.ExecuteNonQueryAsync(
        $"ALTER TABLE calls_complete DELETE WHERE id = '{id}' SETTINGS mutations_sync = 1");

    /// <summary>migration_validation's latest verdicts as (day, project) → status.</summary>
    public async Task<Dictionary<(string Day, string Project), string>> VerdictsAsync()
    {
        var result = new Dictionary<(string, string), string>();
        using var reader = await Client.ExecuteReaderAsync("SELECT toString(batch_date), project_id, toString(status) FROM migration_validation FINAL");
        while (reader.Read())
        {
            result[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        }

        return result;
    }

    public void Dispose() => Client.Dispose();
}
