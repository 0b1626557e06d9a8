using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Schema;

/// <summary>
/// Reads the migrated table back from ClickHouse's system tables and compares it with the upstream reference
/// (shared/reference/weave-schema.md), written out here independently of the DDL under test.
/// </summary>
public sealed class CallsCompleteSchemaTests(ClickHouseFixture clickHouse)
{
    // (name, type, default expression or "" when none) in upstream order.
    private static readonly (string Name, string Type, string Default)[] UpstreamColumns =
    [
        ("id", "String", ""),
        ("project_id", "String", ""),
        ("created_at", "DateTime64(3)", "now64(3)"),
        ("trace_id", "String", ""),
        ("op_name", "String", ""),
        ("started_at", "DateTime64(6)", ""),
        ("ended_at", "DateTime64(6)", "toDateTime64(0, 6)"),
        ("updated_at", "DateTime64(3)", "toDateTime64(0, 3)"),
        ("deleted_at", "DateTime64(3)", "toDateTime64(0, 3)"),
        ("parent_id", "String", "''"),
        ("display_name", "String", "''"),
        ("exception", "String", "''"),
        ("otel_dump", "String", "''"),
        ("wb_user_id", "String", "''"),
        ("wb_run_id", "String", "''"),
        ("thread_id", "String", "''"),
        ("turn_id", "String", "''"),
        ("inputs_dump", "String", ""),
        ("input_refs", "Array(String)", ""),
        ("output_dump", "String", ""),
        ("summary_dump", "String", ""),
        ("output_refs", "Array(String)", ""),
        ("attributes_dump", "String", ""),
        ("wb_run_step", "UInt64", "0"),
        ("wb_run_step_end", "UInt64", "0"),
        ("expire_at", "DateTime", "'2100-01-01 00:00:00'"),
        // Upstream's three values plus ours.
        ("source", "Enum8('direct' = 1, 'dual' = 2, 'migration' = 3, 'calljoin' = 4)", "'direct'"),
    ];

    private static readonly (string Name, string Expr, string Type, ulong Granularity)[] UpstreamIndexes =
    [
        ("idx_parent_id", "parent_id", "bloom_filter", 1),
        ("idx_trace_id", "trace_id", "bloom_filter", 1),
        ("idx_inputs_dump", "inputs_dump", "tokenbf_v1(32768, 3, 0)", 1),
        ("idx_output_dump", "output_dump", "tokenbf_v1(32768, 3, 0)", 1),
        ("idx_summary_dump", "summary_dump", "tokenbf_v1(32768, 3, 0)", 1),
        ("idx_wb_run_id", "wb_run_id", "set(100)", 4),
        ("idx_thread_id", "thread_id", "set(100)", 4),
        ("idx_op_name", "op_name", "ngrambf_v1(8, 10000, 3, 0)", 1),
        ("idx_ended_at", "ended_at", "minmax", 1),
        ("idx_id", "id", "minmax", 1),
        ("idx_id_bloom", "id", "bloom_filter(0.01)", 1),
    ];

    [Fact]
    public async Task Migration_creates_every_upstream_column_with_its_type_and_sentinel_default()
    {
        var (client, db) = await MigratedDatabaseAsync();
        var actual = new List<(string, string, string)>();
        using (var reader = await client.ExecuteReaderAsync(
            $"SELECT name, type, default_expression FROM system.columns WHERE database = '{db}' AND table = 'calls_complete' ORDER BY position"))
        {
            while (reader.Read())
            {
                actual.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        Assert.Equal(UpstreamColumns, actual);
    }

    [Fact]
    public async Task Migration_matches_upstream_engine_partitioning_sort_key_ttl_and_settings()
    {
        var (client, db) = await MigratedDatabaseAsync();
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT engine, partition_key, sorting_key, primary_key, engine_full FROM system.tables WHERE database = '{db}' AND name = 'calls_complete'");
        Assert.True(reader.Read());
        Assert.Equal("ReplacingMergeTree", reader.GetString(0));
        Assert.Equal("toYYYYMM(started_at)", reader.GetString(1));
        Assert.Equal("project_id, started_at, id", reader.GetString(2));
        Assert.Equal("project_id, started_at, id", reader.GetString(3));
        var full = reader.GetString(4);
        Assert.StartsWith("ReplacingMergeTree(created_at)", full, StringComparison.Ordinal);
        Assert.Contains("TTL expire_at", full, StringComparison.Ordinal);
        Assert.Contains("min_bytes_for_wide_part = 0", full, StringComparison.Ordinal);
        Assert.Contains("enable_block_number_column = 1", full, StringComparison.Ordinal);
        Assert.Contains("enable_block_offset_column = 1", full, StringComparison.Ordinal);
        // Our one deliberate addition (migration step 5): the window that lets a retried insert with the same
        // insert_deduplication_token be dropped on a non-replicated table. Upstream leaves it at the default, 0.
        Assert.Contains("non_replicated_deduplication_window = 1000", full, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migration_creates_the_upstream_skip_indexes()
    {
        var (client, db) = await MigratedDatabaseAsync();
        var actual = new List<(string, string, string, ulong)>();
        using (var reader = await client.ExecuteReaderAsync(
            $"SELECT name, expr, type_full, granularity FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'calls_complete' ORDER BY name"))
        {
            while (reader.Read())
            {
                actual.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), Convert.ToUInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        Assert.Equal(UpstreamIndexes.OrderBy(i => i.Name, StringComparer.Ordinal), actual);
    }

    [Fact]
    public async Task Migrating_twice_applies_nothing_the_second_time()
    {
        var db = await clickHouse.CreateDatabaseAsync("mig");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        var migrator = new SchemaMigrator(client, db);
        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();
        Assert.Equal(CallJoinMigrations.All.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(CallJoinMigrations.All.Select(m => m.Version).ToHashSet(), await migrator.AppliedVersionsAsync());
    }

    private async Task<(ClickHouseClient Client, string Database)> MigratedDatabaseAsync()
    {
        var db = await clickHouse.CreateDatabaseAsync("schema");
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        await new SchemaMigrator(client, db).MigrateAsync();
        return (client, db);
    }
}
