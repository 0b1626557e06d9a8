using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Schema;

/// <summary>
/// Reads the tables of migration steps 2–5 back from ClickHouse's system tables and compares them with expectations
/// written out here independently of the DDL under test (the legacy tables: upstream's squashed schema, version 028).
/// </summary>
public sealed class CallJoinTablesSchemaTests(ClickHouseFixture clickHouse)
{
    private static readonly (string Name, string Type, string Default)[] ErrorColumns =
    [
        ("reason", "String", ""),
        ("payload", "String", ""),
        ("topic", "String", ""),
        ("partition", "Int32", ""),
        ("offset", "Int64", ""),
        ("project_id", "String", "''"),
        ("call_id", "String", "''"),
        ("first_seen", "DateTime64(3)", ""),
        ("created_at", "DateTime64(3)", "now64(3)"),
    ];

    private static readonly (string Name, string Type, string Default)[] BackfillColumns =
    [
        ("batch_date", "Date", ""),
        ("status", "Enum8('pending' = 1, 'processing' = 2, 'completed' = 3, 'failed' = 4)", ""),
        ("processed_count", "UInt64", ""),
        ("error_count", "UInt64", ""),
        ("updated_at", "DateTime64(3)", "now()"),
    ];

    private static readonly (string Name, string Type, string Default)[] CallPartsColumns =
    [
        ("id", "String", ""),
        ("project_id", "String", ""),
        ("parent_id", "Nullable(String)", ""),
        ("trace_id", "Nullable(String)", ""),
        ("op_name", "Nullable(String)", ""),
        ("started_at", "Nullable(DateTime64(6))", ""),
        ("attributes_dump", "Nullable(String)", ""),
        ("inputs_dump", "Nullable(String)", ""),
        ("input_refs", "Array(String)", ""),
        ("ended_at", "Nullable(DateTime64(6))", ""),
        ("output_dump", "Nullable(String)", ""),
        ("summary_dump", "Nullable(String)", ""),
        ("exception", "Nullable(String)", ""),
        ("output_refs", "Array(String)", ""),
        ("wb_user_id", "Nullable(String)", ""),
        ("wb_run_id", "Nullable(String)", ""),
        ("created_at", "DateTime64(3)", "now64(3)"),
        ("deleted_at", "Nullable(DateTime64(3))", "NULL"),
        ("display_name", "Nullable(String)", "NULL"),
        ("wb_run_step", "Nullable(UInt64)", "NULL"),
        ("thread_id", "Nullable(String)", "NULL"),
        ("turn_id", "Nullable(String)", "NULL"),
        ("wb_run_step_end", "Nullable(UInt64)", "NULL"),
        ("otel_dump", "Nullable(String)", ""),
    ];

    // Upstream writes array_concat_agg; ClickHouse stores the function under its canonical name, groupArrayArray.
    private static readonly (string Name, string Type, string Default)[] CallsMergedColumns =
    [
        ("project_id", "String", ""),
        ("id", "String", ""),
        ("trace_id", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("parent_id", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("op_name", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("started_at", "SimpleAggregateFunction(any, Nullable(DateTime64(6)))", ""),
        ("attributes_dump", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("inputs_dump", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("input_refs", "SimpleAggregateFunction(groupArrayArray, Array(String))", ""),
        ("ended_at", "SimpleAggregateFunction(any, Nullable(DateTime64(6)))", ""),
        ("output_dump", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("summary_dump", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("exception", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("output_refs", "SimpleAggregateFunction(groupArrayArray, Array(String))", ""),
        ("wb_user_id", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("wb_run_id", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("deleted_at", "SimpleAggregateFunction(any, Nullable(DateTime64(3)))", ""),
        ("display_name", "AggregateFunction(argMax, Nullable(String), DateTime64(3))", ""),
        ("sortable_datetime", "DateTime64(6)", "coalesce(started_at, ended_at, now())"),
        ("wb_run_step", "SimpleAggregateFunction(any, Nullable(UInt64))", ""),
        ("thread_id", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("turn_id", "SimpleAggregateFunction(any, Nullable(String))", ""),
        ("wb_run_step_end", "SimpleAggregateFunction(any, Nullable(UInt64))", ""),
        ("otel_dump", "SimpleAggregateFunction(any, Nullable(String))", ""),
    ];

    [Fact]
    public async Task The_error_table_has_its_columns_and_collapses_redeliveries_by_kafka_coordinates_and_reason()
    {
        var (client, db) = await MigratedDatabaseAsync();
        Assert.Equal(ErrorColumns, await ColumnsAsync(client, db, "calljoin_errors"));

        var table = await TableAsync(client, db, "calljoin_errors");
        Assert.Equal("ReplacingMergeTree", table.Engine);
        Assert.Equal("toYYYYMM(first_seen)", table.PartitionKey);
        Assert.Equal("topic, partition, offset, reason", table.SortingKey);
        Assert.StartsWith("ReplacingMergeTree(created_at)", table.EngineFull, StringComparison.Ordinal);
        Assert.Contains("TTL toDateTime(created_at) + toIntervalDay(30)", table.EngineFull, StringComparison.Ordinal);
        Assert.Contains("non_replicated_deduplication_window = 1000", table.EngineFull, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_progress_is_the_seed_plans_table()
    {
        var (client, db) = await MigratedDatabaseAsync();
        Assert.Equal(BackfillColumns, await ColumnsAsync(client, db, "backfill_progress"));

        var table = await TableAsync(client, db, "backfill_progress");
        Assert.Equal("MergeTree", table.Engine);
        Assert.Equal("batch_date", table.SortingKey);
        Assert.Equal("", table.PartitionKey);
    }

    [Fact]
    public async Task Call_parts_matches_upstreams_final_shape()
    {
        var (client, db) = await MigratedDatabaseAsync();
        Assert.Equal(CallPartsColumns, await ColumnsAsync(client, db, "call_parts"));

        var table = await TableAsync(client, db, "call_parts");
        Assert.Equal("MergeTree", table.Engine);
        Assert.Equal("project_id, id", table.SortingKey);
        Assert.Equal("", table.PartitionKey);
    }

    [Fact]
    public async Task Calls_merged_matches_upstreams_final_shape_and_is_fed_by_the_view()
    {
        var (client, db) = await MigratedDatabaseAsync();
        Assert.Equal(CallsMergedColumns, await ColumnsAsync(client, db, "calls_merged"));

        var table = await TableAsync(client, db, "calls_merged");
        Assert.Equal("AggregatingMergeTree", table.Engine);
        Assert.Equal("project_id, id", table.SortingKey);
        Assert.Equal("", table.PartitionKey);

        var indexes = new List<(string, string, string, ulong)>();
        using (var reader = await client.ExecuteReaderAsync(
            $"SELECT name, expr, type_full, granularity FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'calls_merged' ORDER BY name"))
        {
            while (reader.Read())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), Convert.ToUInt64(reader.GetValue(3), CultureInfo.InvariantCulture)));
            }
        }

        Assert.Equal([("idx_sortable_datetime", "sortable_datetime", "minmax", 1UL), ("idx_wb_run_id", "wb_run_id", "set(100)", 1UL)], indexes);

        var view = await TableAsync(client, db, "calls_merged_view");
        Assert.Equal("MaterializedView", view.Engine);
        Assert.Contains($"TO {db}.calls_merged", view.CreateQuery, StringComparison.Ordinal);
        Assert.Contains($"FROM {db}.call_parts", view.CreateQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_deduplication_window_is_the_only_setting_added_to_calls_complete()
    {
        var (client, db) = await MigratedDatabaseAsync();
        var table = await TableAsync(client, db, "calls_complete");
        var settings = table.EngineFull[(table.EngineFull.IndexOf("SETTINGS ", StringComparison.Ordinal) + "SETTINGS ".Length)..];
        Assert.Equal(
            "min_bytes_for_wide_part = 0, enable_block_number_column = 1, enable_block_offset_column = 1, index_granularity = 8192, non_replicated_deduplication_window = 1000",
            settings);
    }

    [Fact]
    public async Task Every_step_can_run_again_when_the_ledger_lost_its_rows()
    {
        var (client, db) = await MigratedDatabaseAsync();
        await client.ExecuteNonQueryAsync($"TRUNCATE TABLE `{db}`.calljoin_migrations");

        var again = await new SchemaMigrator(client, db).MigrateAsync();

        Assert.Equal(CallJoinMigrations.All.Select(m => m.Version), again);
        Assert.Equal(CallsMergedColumns, await ColumnsAsync(client, db, "calls_merged"));
    }

    [Fact]
    public async Task The_migrator_creates_a_database_whose_name_needs_quoting()
    {
        var prefix = await clickHouse.CreateDatabaseAsync("named");
        var db = prefix + "-calljoin";
        using var client = new ClickHouseClient(clickHouse.ConnectionString);

        var applied = await new SchemaMigrator(client, db).MigrateAsync();

        Assert.Equal(CallJoinMigrations.All.Select(m => m.Version), applied);
        var tables = new List<string>();
        using (var reader = await client.ExecuteReaderAsync($"SELECT name FROM system.tables WHERE database = '{db}' ORDER BY name"))
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["backfill_progress", "call_parts", "calljoin_errors", "calljoin_migrations", "calls_complete", "calls_merged", "calls_merged_view", "migration_validation"], tables);
    }

    private async Task<(ClickHouseClient Client, string Database)> MigratedDatabaseAsync()
    {
        var db = await clickHouse.CreateDatabaseAsync("tables");
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        await new SchemaMigrator(client, db).MigrateAsync();
        return (client, db);
    }

    private static async Task<List<(string Name, string Type, string Default)>> ColumnsAsync(ClickHouseClient client, string db, string table)
    {
        var columns = new List<(string, string, string)>();
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT name, type, default_expression FROM system.columns WHERE database = '{db}' AND table = '{table}' ORDER BY position");
        while (reader.Read())
        {
            columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return columns;
    }

    private static async Task<(string Engine, string PartitionKey, string SortingKey, string EngineFull, string CreateQuery)> TableAsync(
        ClickHouseClient client, string db, string table)
    {
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT engine, partition_key, sorting_key, engine_full, create_table_query FROM system.tables WHERE database = '{db}' AND name = '{table}'");
        Assert.True(reader.Read(), $"{db}.{table} does not exist");
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
    }
}
