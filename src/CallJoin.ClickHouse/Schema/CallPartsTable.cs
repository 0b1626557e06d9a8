namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// The legacy upstream <c>call_parts</c> table: one row per call half (start or end), every call field Nullable, in
/// the final shape of upstream's migrations (weave/trace_server squash through version 028).
/// </summary>
/// <remarks>
/// Used by the migration path (reading old data) and its tests; CallJoin never writes it in production.
/// <c>calls_merged_view</c> (<see cref="CallsMergedTable"/>) folds every insert into <c>calls_merged</c>.
/// </remarks>
public static class CallPartsTable
{
    public const string Name = "call_parts";

    /// <summary>Every column in upstream order.</summary>
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("id", "String"),
        new("project_id", "String"),
        new("parent_id", "Nullable(String)"),
        new("trace_id", "Nullable(String)"),
        new("op_name", "Nullable(String)"),
        new("started_at", "Nullable(DateTime64(6))"),
        new("attributes_dump", "Nullable(String)"),
        new("inputs_dump", "Nullable(String)"),
        new("input_refs", "Array(String)"),
        new("ended_at", "Nullable(DateTime64(6))"),
        new("output_dump", "Nullable(String)"),
        new("summary_dump", "Nullable(String)"),
        new("exception", "Nullable(String)"),
        new("output_refs", "Array(String)"),
        new("wb_user_id", "Nullable(String)"),
        new("wb_run_id", "Nullable(String)"),
        new("created_at", "DateTime64(3)", "now64(3)"),
        new("deleted_at", "Nullable(DateTime64(3))", "NULL"),
        new("display_name", "Nullable(String)", "NULL"),
        new("wb_run_step", "Nullable(UInt64)", "NULL"),
        new("thread_id", "Nullable(String)", "NULL"),
        new("turn_id", "Nullable(String)", "NULL"),
        new("wb_run_step_end", "Nullable(UInt64)", "NULL"),
        new("otel_dump", "Nullable(String)"),
    ];

    public const string Engine = "MergeTree";
    public const string OrderBy = "(project_id, id)";

    /// <summary>The CREATE statement for <paramref name="database"/> (already quoted).</summary>
    public static string CreateStatement(string database) =>
        TableDdl.Create(database, Name, Columns, skipIndexes: null, Engine, OrderBy);
}
