namespace CallJoin.Migration.Validation;

/// <summary>
/// A calls_complete column that calls_merged also has, with the SQL that reads it from each side in one type and one
/// representation, so equal contents compare equal.
/// </summary>
/// <param name="Name">The column's name in both tables.</param>
/// <param name="Merged">The value from a calls_merged group (alias <c>m</c>, inside GROUP BY project_id, id).</param>
/// <param name="Complete">The value from a calls_complete row.</param>
/// <param name="Display">Turns either value into text for a report (<c>{0}</c> is the value).</param>
public sealed record ComparedColumn(string Name, string Merged, string Complete, string Display)
{
    /// <summary>
    /// Every compared column. calls_merged reads as the trace server reads it (<c>any()</c>, <c>argMaxMerge()</c>,
    /// <c>array_concat_agg()</c>); its NULLs become the value the live join writes when a half lacks the field: ''
    /// for strings, 0 for steps, <c>toDateTime64(0, 6)</c> for a running call's ended_at, <c>{}</c> for absent
    /// inputs, attributes and summary, and <c>null</c> (JSON) for the output of a call without an end.
    /// </summary>
    /// <remarks>
    /// Not compared: created_at, updated_at, expire_at and source (calls_complete only: the write's version, path and
    /// expiry), sortable_datetime (calls_merged only), deleted_at (deleted calls are left out on both sides, as reads
    /// leave them out).
    /// </remarks>
    public static IReadOnlyList<ComparedColumn> All { get; } =
    [
        Text("trace_id"),
        Text("op_name"),
        Timestamp("started_at"),
        Timestamp("ended_at"),
        Text("parent_id"),
        new("display_name", "ifNull(argMaxMerge(m.display_name), '')", "display_name", "{0}"),
        Text("exception"),
        Text("otel_dump"),
        Text("wb_user_id"),
        Text("wb_run_id"),
        Text("thread_id"),
        Text("turn_id"),
        Text("inputs_dump", "'{}'"),
        Refs("input_refs"),
        Text("output_dump", "'null'"),
        Text("summary_dump", "'{}'"),
        Refs("output_refs"),
        Text("attributes_dump", "'{}'"),
        Count("wb_run_step"),
        Count("wb_run_step_end"),
    ];

    /// <summary>
    /// <see cref="All"/> with input_refs and output_refs compared as sets (sorted, without repeats). The old server
    /// stored a half sent twice as two call_parts rows, and calls_merged's <c>array_concat_agg</c> then repeats that
    /// half's refs; the live join and the backfill keep one. Same names and order as <see cref="All"/>.
    /// </summary>
    public static IReadOnlyList<ComparedColumn> WithRefsAsSets { get; } =
        [.. All.Select(c => c.Name is "input_refs" or "output_refs"
            ? c with { Merged = $"arraySort(arrayDistinct({c.Merged}))", Complete = $"arraySort(arrayDistinct({c.Complete}))" }
            : c)];

    private static ComparedColumn Text(string name, string whenNull = "''") =>
        new(name, $"ifNull(any(m.{name}), {whenNull})", name, "{0}");

    private static ComparedColumn Timestamp(string name) =>
        new(name, $"ifNull(any(m.{name}), toDateTime64(0, 6))", name, "toString({0}, 'UTC')");

    private static ComparedColumn Refs(string name) =>
        new(name, $"array_concat_agg(m.{name})", name, "toString({0})");

    private static ComparedColumn Count(string name) =>
        new(name, $"ifNull(any(m.{name}), toUInt64(0))", name, "toString({0})");
}
