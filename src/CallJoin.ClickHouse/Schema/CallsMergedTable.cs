namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// The legacy upstream <c>calls_merged</c> table and the <c>calls_merged_view</c> materialized view that fills it from
/// <c>call_parts</c>, in the final shape of upstream's migrations (weave/trace_server squash through version 028).
/// </summary>
/// <remarks>
/// An AggregatingMergeTree keyed by <c>(project_id, id)</c>: the start and end halves of a call become one row only
/// when parts merge, so readers GROUP BY <c>(project_id, id)</c> with <c>any()</c> / <c>argMaxMerge()</c> and filter
/// in HAVING. Refs are concatenated across halves; <c>display_name</c> keeps the newest non-null value by
/// <c>created_at</c>; <c>wb_user_id</c> is taken from the start half only.
/// </remarks>
public static class CallsMergedTable
{
    public const string Name = "calls_merged";

    /// <summary>The materialized view that folds each <c>call_parts</c> insert into this table.</summary>
    public const string ViewName = "calls_merged_view";

    /// <summary>Every column in upstream order.</summary>
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("project_id", "String"),
        new("id", "String"),
        new("trace_id", Any("Nullable(String)")),
        new("parent_id", Any("Nullable(String)")),
        new("op_name", Any("Nullable(String)")),
        new("started_at", Any("Nullable(DateTime64(6))")),
        new("attributes_dump", Any("Nullable(String)")),
        new("inputs_dump", Any("Nullable(String)")),
        new("input_refs", ConcatRefs),
        new("ended_at", Any("Nullable(DateTime64(6))")),
        new("output_dump", Any("Nullable(String)")),
        new("summary_dump", Any("Nullable(String)")),
        new("exception", Any("Nullable(String)")),
        new("output_refs", ConcatRefs),
        new("wb_user_id", Any("Nullable(String)")),
        new("wb_run_id", Any("Nullable(String)")),
        new("deleted_at", Any("Nullable(DateTime64(3))")),
        new("display_name", "AggregateFunction(argMax, Nullable(String), DateTime64(3))"),
        new("sortable_datetime", "DateTime64(6)", "coalesce(started_at, ended_at, now())"),
        new("wb_run_step", Any("Nullable(UInt64)")),
        new("thread_id", Any("Nullable(String)")),
        new("turn_id", Any("Nullable(String)")),
        new("wb_run_step_end", Any("Nullable(UInt64)")),
        new("otel_dump", Any("Nullable(String)")),
    ];

    /// <summary>Skip indexes as upstream declares them (name, expression, type, granularity).</summary>
    public static IReadOnlyList<(string Name, string Expression, string Type, int Granularity)> SkipIndexes { get; } =
    [
        ("idx_sortable_datetime", "sortable_datetime", "minmax", 1),
        ("idx_wb_run_id", "wb_run_id", "set(100)", 1),
    ];

    public const string Engine = "AggregatingMergeTree";
    public const string OrderBy = "(project_id, id)";

    /// <summary>
    /// Not in upstream's DDL: ClickHouse 26.x refuses a plain column (<c>sortable_datetime</c>) outside the sorting key of
    /// an AggregatingMergeTree unless this is set; upstream created the table before that check existed.
    /// </summary>
    public const string Settings = "allow_dimensions_outside_sorting_key = 1";

    /// <summary>The CREATE statement for the table in <paramref name="database"/> (already quoted).</summary>
    public static string CreateStatement(string database) =>
        TableDdl.Create(database, Name, Columns, SkipIndexes, Engine, OrderBy, settings: Settings);

    /// <summary>
    /// The CREATE statement for <c>calls_merged_view</c> in <paramref name="database"/> (already quoted). Source
    /// columns are qualified (<c>p.</c>) so that they never resolve to the aggregate aliases of the same name.
    /// </summary>
    public static string CreateViewStatement(string database) => $"""
        CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{ClickHouseIdentifier.Quote(ViewName)} TO {database}.{ClickHouseIdentifier.Quote(Name)} AS
        SELECT
            p.project_id AS project_id,
            p.id AS id,
            anySimpleState(p.wb_run_id) AS wb_run_id,
            anySimpleState(p.wb_run_step) AS wb_run_step,
            anySimpleState(p.wb_run_step_end) AS wb_run_step_end,
            anySimpleStateIf(p.wb_user_id, isNotNull(p.started_at)) AS wb_user_id,
            anySimpleState(p.trace_id) AS trace_id,
            anySimpleState(p.parent_id) AS parent_id,
            anySimpleState(p.thread_id) AS thread_id,
            anySimpleState(p.turn_id) AS turn_id,
            anySimpleState(p.op_name) AS op_name,
            anySimpleState(p.started_at) AS started_at,
            anySimpleState(p.attributes_dump) AS attributes_dump,
            anySimpleState(p.inputs_dump) AS inputs_dump,
            array_concat_aggSimpleState(p.input_refs) AS input_refs,
            anySimpleState(p.ended_at) AS ended_at,
            anySimpleState(p.output_dump) AS output_dump,
            anySimpleState(p.summary_dump) AS summary_dump,
            anySimpleState(p.exception) AS exception,
            array_concat_aggSimpleState(p.output_refs) AS output_refs,
            anySimpleState(p.deleted_at) AS deleted_at,
            argMaxState(p.display_name, p.created_at) AS display_name,
            anySimpleState(coalesce(p.started_at, p.ended_at, p.created_at)) AS sortable_datetime,
            anySimpleState(p.otel_dump) AS otel_dump
        FROM {database}.{ClickHouseIdentifier.Quote(CallPartsTable.Name)} AS p
        GROUP BY p.project_id, p.id
        """;

    private const string ConcatRefs = "SimpleAggregateFunction(array_concat_agg, Array(String))";

    private static string Any(string type) => $"SimpleAggregateFunction(any, {type})";
}
