using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Schema;

/// <summary>Migrating over an upstream calls_complete: its source enum gains our value, or the migration refuses.</summary>
public sealed class SourceEnumUpgradeTests(ClickHouseFixture clickHouse)
{
    private const string UpstreamSource = "Enum8('direct' = 1, 'dual' = 2, 'migration' = 3)";

    [Fact]
    public async Task An_upstream_table_without_our_source_value_gets_it_and_takes_our_rows()
    {
        var (client, db) = await UpstreamTableAsync(UpstreamSource);
        using (client)
        {
            await client.ExecuteNonQueryAsync($"INSERT INTO `{db}`.calls_complete (id, project_id, started_at, inputs_dump, output_dump, summary_dump, attributes_dump, input_refs, output_refs, source) " +
                "VALUES ('old', 'p', '2026-01-01 00:00:00', '{}', 'null', '{}', '{}', [], [], 'dual')");

            await new SchemaMigrator(client, db).MigrateAsync();

            Assert.Equal((CallsCompleteTable.SourceType, "'direct'"), await SourceColumnAsync(client, db));
            await client.ExecuteNonQueryAsync($"INSERT INTO `{db}`.calls_complete (id, project_id, started_at, inputs_dump, output_dump, summary_dump, attributes_dump, input_refs, output_refs, source) " +
                "VALUES ('ours', 'p', '2026-01-01 00:00:00', '{}', 'null', '{}', '{}', [], [], 'calljoin')");
            Assert.Equal("dual,calljoin", await client.ExecuteScalarAsync($"SELECT arrayStringConcat(groupArray(toString(source)), ',') FROM (SELECT source FROM `{db}`.calls_complete ORDER BY id)"));
            Assert.Equal(4, Convert.ToInt32(await client.ExecuteScalarAsync($"SELECT toInt8(source) FROM `{db}`.calls_complete WHERE id = 'ours'"), System.Globalization.CultureInfo.InvariantCulture));

            // Idempotent: a second run finds the value and changes nothing.
            Assert.Empty(await new SchemaMigrator(client, db).MigrateAsync());
            Assert.Equal((CallsCompleteTable.SourceType, "'direct'"), await SourceColumnAsync(client, db));
        }
    }

    [Theory]
    [InlineData("String", "not an Enum8")]
    [InlineData("Enum16('direct' = 1, 'dual' = 2)", "not an Enum8")]
    [InlineData("Enum8('direct' = 1, 'dual' = 2, 'migration' = 3, 'backfill' = 4)", "value 4 for 'backfill'")]
    [InlineData("Enum8('direct' = 1, 'calljoin' = 5)", "'calljoin' = 5")]
    public async Task An_upstream_source_column_we_cannot_write_is_refused_naming_the_table_and_column(string type, string problem)
    {
        var (client, db) = await UpstreamTableAsync(type);
        using (client)
        {
            var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => new SchemaMigrator(client, db).MigrateAsync());

            Assert.Contains($"`{db}`.calls_complete", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("source", refusal.Message, StringComparison.Ordinal);
            Assert.Contains(problem, refusal.Message, StringComparison.Ordinal);
            Assert.Equal(type, (await SourceColumnAsync(client, db)).Type);   // left as it was
        }
    }

    [Fact]
    public void Enum8_types_are_read_with_escaped_names_and_negative_numbers()
    {
        Assert.Equal([("it's", -1), ("a\\b", 2), ("x, y = 3", 3)], SourceEnumUpgrade.ParseEnum8("Enum8('it\\'s' = -1, 'a\\\\b' = 2, 'x, y = 3' = 3)"));
        Assert.Null(SourceEnumUpgrade.ParseEnum8("LowCardinality(String)"));
        Assert.Equal(
            "ALTER TABLE `d`.calls_complete MODIFY COLUMN source Enum8('it\\'s' = 1, 'calljoin' = 4)",
            SourceEnumUpgrade.AlterStatement("`d`.calls_complete", "Enum8('it\\'s' = 1)"));
        Assert.Null(SourceEnumUpgrade.AlterStatement("`d`.calls_complete", CallsCompleteTable.SourceType));
    }

    /// <summary>A database holding upstream's calls_complete (ours, with <paramref name="sourceType"/> for source), not migrated.</summary>
    private async Task<(ClickHouseClient Client, string Database)> UpstreamTableAsync(string sourceType)
    {
        var db = await clickHouse.CreateDatabaseAsync("upstream");
        var client = new ClickHouseClient(clickHouse.ConnectionString);
        var create = CallsCompleteTable.CreateStatement($"`{db}`");
        Assert.Contains(CallsCompleteTable.SourceType, create, StringComparison.Ordinal);
        await client.ExecuteNonQueryAsync(create.Replace(CallsCompleteTable.SourceType, sourceType, StringComparison.Ordinal));
        return (client, db);
    }

    private static async Task<(string Type, string Default)> SourceColumnAsync(ClickHouseClient client, string db)
    {
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT type, default_expression FROM system.columns WHERE database = '{db}' AND table = 'calls_complete' AND name = 'source'");
        Assert.True(reader.Read());
        return (reader.GetString(0), reader.GetString(1));
    }
}
