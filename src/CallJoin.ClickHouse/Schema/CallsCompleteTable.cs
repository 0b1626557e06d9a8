namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// The upstream "v2" <c>calls_complete</c> table, column for column, so the trace server's query layer reads our rows
/// unchanged. The only difference is one more <c>source</c> value, <c>'calljoin'</c>, recording our write path.
/// </summary>
/// <remarks>
/// No Nullable columns: "missing" is a sentinel (<c>''</c>, <c>toDateTime64(0, n)</c>, <c>0</c>). A running call has
/// <c>ended_at = toDateTime64(0, 6)</c>; its later complete row has a newer <c>created_at</c> and supersedes it under
/// <c>ReplacingMergeTree(created_at)</c>, which is why a joined row must carry the start's exact <c>started_at</c>
/// (part of the sort key). Upstream's later <c>status</c> column and typed attribute maps are not part of v2.
/// </remarks>
public static class CallsCompleteTable
{
    public const string Name = "calls_complete";

    /// <summary>The <c>source</c> enum: upstream's three write paths and ours.</summary>
    public const string SourceType = "Enum8('direct' = 1, 'dual' = 2, 'migration' = 3, 'calljoin' = 4)";

    /// <summary>The value of <c>source</c> for rows CallJoin joined.</summary>
    public const sbyte CallJoinSource = 4;

    /// <summary>The value of <c>source</c> for rows the backfill copied from calls_merged (upstream's 'migration').</summary>
    public const sbyte MigrationSource = 3;

    /// <summary>Every column in upstream order.</summary>
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("id", "String"),
        new("project_id", "String"),
        new("created_at", "DateTime64(3)", "now64(3)"),
        new("trace_id", "String"),
        new("op_name", "String"),
        new("started_at", "DateTime64(6)"),
        new("ended_at", "DateTime64(6)", "toDateTime64(0, 6)"),
        new("updated_at", "DateTime64(3)", "toDateTime64(0, 3)"),
        new("deleted_at", "DateTime64(3)", "toDateTime64(0, 3)"),
        new("parent_id", "String", "''"),
        new("display_name", "String", "''"),
        new("exception", "String", "''"),
        new("otel_dump", "String", "''"),
        new("wb_user_id", "String", "''"),
        new("wb_run_id", "String", "''"),
        new("thread_id", "String", "''"),
        new("turn_id", "String", "''"),
        new("inputs_dump", "String"),
        new("input_refs", "Array(String)"),
        new("output_dump", "String"),
        new("summary_dump", "String"),
        new("output_refs", "Array(String)"),
        new("attributes_dump", "String"),
        new("wb_run_step", "UInt64", "0"),
        new("wb_run_step_end", "UInt64", "0"),
        new("expire_at", "DateTime", "'2100-01-01 00:00:00'"),
        new("source", SourceType, "'direct'"),
    ];

    /// <summary>Skip indexes as upstream declares them (name, expression, type, granularity).</summary>
    public static IReadOnlyList<(string Name, string Expression, string Type, int Granularity)> SkipIndexes { get; } =
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

    public const string Engine = "ReplacingMergeTree(created_at)";
    public const string PartitionBy = "toYYYYMM(started_at)";
    public const string OrderBy = "(project_id, started_at, id)";
    public const string Ttl = "expire_at DELETE";
    public const string Settings = "min_bytes_for_wide_part = 0, enable_block_number_column = 1, enable_block_offset_column = 1";

    /// <summary>The CREATE statement for <paramref name="database"/> (already quoted).</summary>
    public static string CreateStatement(string database) =>
        TableDdl.Create(database, Name, Columns, SkipIndexes, Engine, OrderBy, PartitionBy, Ttl, Settings);
}
