namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// <c>backfill_progress</c>: one row per backfilled day and state change, as the seed plan's migration tracking
/// declares it (shared/seed/call-completion-plan.md).
/// </summary>
/// <remarks>
/// A plain MergeTree: every status change is a new row; the current state of a day is its newest row
/// (<c>argMax(status, updated_at)</c>).
/// </remarks>
public static class BackfillProgressTable
{
    public const string Name = "backfill_progress";

    /// <summary>The <c>status</c> enum; ClickHouse numbers the values 1–4 in this order.</summary>
    public const string StatusType = "Enum8('pending' = 1, 'processing' = 2, 'completed' = 3, 'failed' = 4)";

    /// <summary>Every column in table order.</summary>
    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("batch_date", "Date"),
        new("status", StatusType),
        new("processed_count", "UInt64"),
        new("error_count", "UInt64"),
        new("updated_at", "DateTime64(3)", "now()"),
    ];

    public const string Engine = "MergeTree";
    public const string OrderBy = "batch_date";

    /// <summary>The CREATE statement for <paramref name="database"/> (already quoted).</summary>
    public static string CreateStatement(string database) =>
        TableDdl.Create(database, Name, Columns, skipIndexes: null, Engine, OrderBy);
}
