namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// <c>migration_validation</c>: the latest verdict of <c>calljoin validate</c> per day and project, comparing
/// calls_merged with calls_complete; the query router sends a day or project whose verdict is a mismatch back to
/// calls_merged.
/// </summary>
/// <remarks>A ReplacingMergeTree on <c>checked_at</c>: read it with FINAL (or argMax) for the latest verdict.</remarks>
public static class MigrationValidationTable
{
    public const string Name = "migration_validation";

    /// <summary>The <c>status</c> enum.</summary>
    public const string StatusType = "Enum8('consistent' = 1, 'mismatch' = 2)";

    /// <summary>Every column in table order.</summary>
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("batch_date", "Date"),
        new("project_id", "String"),
        new("status", StatusType),
        new("merged_complete", "UInt64"),
        new("merged_running", "UInt64"),
        new("merged_end_only", "UInt64"),
        new("complete_complete", "UInt64"),
        new("complete_running", "UInt64"),
        new("start_missing_records", "UInt64"),
        new("fields_compared", "UInt64"),
        new("mismatches", "UInt64"),
        new("checked_at", "DateTime64(3)", "now64(3)"),
    ];

    public const string Engine = "ReplacingMergeTree(checked_at)";
    public const string OrderBy = "(batch_date, project_id)";

    /// <summary>The CREATE statement for <paramref name="database"/> (already quoted).</summary>
    public static string CreateStatement(string database) =>
        TableDdl.Create(database, Name, Columns, skipIndexes: null, Engine, OrderBy);
}
