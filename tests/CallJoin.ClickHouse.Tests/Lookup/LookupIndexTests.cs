using System.Globalization;
using CallJoin.ClickHouse.Lookup;
using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Lookup;

/// <summary>The lookup statements use the indexes their cost rests on, and the migration gives the error table its index.</summary>
public sealed class LookupIndexTests(ClickHouseFixture clickHouse)
{
    [Fact]
    public async Task The_error_table_gets_its_call_id_index_from_the_migration_and_the_lookup_uses_it()
    {
        var db = await clickHouse.CreateDatabaseAsync("lookup_index");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        var migrator = new SchemaMigrator(client, db);
        var indexStep = CallJoinMigrations.All.Single(m => m.Name == "calljoin_errors call_id index").Version;
        await migrator.MigrateAsync([.. CallJoinMigrations.All.Where(m => m.Version < indexStep)]);
        // A table from before the step: created without the index, as step 2 did then.
        await client.ExecuteNonQueryAsync($"DROP TABLE `{db}`.calljoin_errors");
        await client.ExecuteNonQueryAsync(CallJoinErrorsTable.CreateStatement($"`{db}`").Replace(",\n    INDEX idx_call_id call_id TYPE bloom_filter(0.01) GRANULARITY 1", "", StringComparison.Ordinal));
        Assert.Empty(await IndexesAsync(client, db));

        await migrator.MigrateAsync();

        Assert.Equal(["idx_call_id call_id bloom_filter(0.01) 1"], await IndexesAsync(client, db));
        await client.ExecuteNonQueryAsync(
            "INSERT INTO calljoin_errors (reason, payload, topic, partition, offset, project_id, call_id, first_seen) " +
            "SELECT 'start_missing', 'x', 't', 0, number, 'p', toString(number), '2025-01-01 00:00:00' FROM numbers(100000)");
        var plan = await ExplainAsync(client, LookupSql.StartMissing("calljoin_errors", [Key("p", "77")], 0, 1));
        Assert.Contains("idx_call_id", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_calls_query_narrows_by_the_primary_key_and_the_id_bloom_filter()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_calls_plan");
        await db.Client.ExecuteNonQueryAsync(
            "INSERT INTO calls_complete (id, project_id, started_at, inputs_dump, output_dump, summary_dump, attributes_dump) " +
            "SELECT toString(number), concat('p', toString(number % 4)), toDateTime64('2025-01-01 00:00:00', 6) + number, '{}', 'null', '{}', '{}' FROM numbers(100000)");

        var plan = await ExplainAsync(db.Client, LookupSql.Calls("calls_complete", [Key("p1", "77")], 0, 1));

        Assert.Contains("PrimaryKey", plan, StringComparison.Ordinal);
        Assert.Contains("idx_id_bloom", plan, StringComparison.Ordinal);
    }

    private static LookupKey Key(string project, string id) => LookupKey.From(project, id);

    private static async Task<List<string>> IndexesAsync(ClickHouseClient client, string db)
    {
        var indexes = new List<string>();
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT name, expr, type_full, granularity FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'calljoin_errors'");
        while (reader.Read())
        {
            indexes.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetValue(3)}"));
        }

        return indexes;
    }

    private static async Task<string> ExplainAsync(ClickHouseClient client, string sql)
    {
        var lines = new List<string>();
        using var reader = await client.ExecuteReaderAsync("EXPLAIN indexes = 1 " + sql[..sql.LastIndexOf("FORMAT", StringComparison.Ordinal)]);
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
