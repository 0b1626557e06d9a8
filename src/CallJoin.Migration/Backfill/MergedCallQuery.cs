using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;

namespace CallJoin.Migration.Backfill;

/// <summary>
/// The SQL the backfill reads calls_merged with: upstream's legacy merge (GROUP BY project_id, id with <c>any()</c>
/// over the SimpleAggregateFunction columns, <c>argMaxMerge(display_name)</c>, deleted calls left out in HAVING).
/// </summary>
/// <remarks>
/// <para>
/// Which calls a window holds: those whose started_at (or, without a start, ended_at) falls in it. calls_merged is
/// sorted by (project_id, id), so the ids are found first by the <c>sortable_datetime</c> minmax index — a start
/// part's value is its started_at, an end part's its ended_at, a merged row's either — widened by
/// <see cref="MergedRowSlack"/> on each side for merged rows that kept the end's time, then every part of those ids is
/// read through the primary key and grouped. A call whose halves were merged with the end's time first and lie more
/// than the slack apart is missed; such merges need the end inserted before the start.
/// </para>
/// <para>Rows come sorted by (project_id, id) so that the same window always gives the same rows in the same order.</para>
/// </remarks>
public static class MergedCallQuery
{
    /// <summary>How far outside the window a merged row's sortable_datetime may lie and its call still be found.</summary>
    public static readonly TimeSpan MergedRowSlack = TimeSpan.FromDays(1);

    /// <summary>Column order of <see cref="Calls"/>.</summary>
    public enum Column
    {
        ProjectId,
        Id,
        TraceId,
        ParentId,
        OpName,
        StartedAtMicros,
        AttributesDump,
        InputsDump,
        EndedAtMicros,
        OutputDump,
        SummaryDump,
        Exception,
        WbUserId,
        WbRunId,
        DisplayName,
        WbRunStep,
        ThreadId,
        TurnId,
        WbRunStepEnd,
        OtelDump,
    }

    /// <summary>Every live call of the window, one row per call, merged as upstream reads calls_merged.</summary>
    public static string Calls(string database, BackfillWindow window) => $"""
        SELECT
            project_id, id,
            any(trace_id), any(parent_id), any(op_name), toUnixTimestamp64Micro(any(started_at)),
            any(attributes_dump), any(inputs_dump), toUnixTimestamp64Micro(any(ended_at)),
            any(output_dump), any(summary_dump), any(exception), any(wb_user_id), any(wb_run_id),
            argMaxMerge(display_name), any(wb_run_step), any(thread_id), any(turn_id), any(wb_run_step_end), any(otel_dump)
        {GroupedWindow(database, window)}
        ORDER BY project_id, id
        """;

    /// <summary>Per day of the window: complete calls, start-only calls and end-only calls (the dry run's report).</summary>
    public static string DayCounts(string database, BackfillWindow window) => $"""
        SELECT toString(toDate(coalesce(s, e), 'UTC')) AS day, countIf(isNotNull(s) AND isNotNull(e)), countIf(isNotNull(s) AND isNull(e)), countIf(isNull(s))
        FROM (
            SELECT any(started_at) AS s, any(ended_at) AS e
            {GroupedWindow(database, window)}
        )
        GROUP BY day
        ORDER BY day
        """;

    /// <summary>The oldest day holding data and how many parts calls_merged holds; a NULL day when it is empty.</summary>
    public static string OldestDay(string database) =>
        $"SELECT toString(toDate(min(sortable_datetime), 'UTC')), count() FROM {Table(database)}";

    /// <summary>Approximate distinct calls per day by sortable_datetime: cheap, for the progress bar's ETA only.</summary>
    public static string EstimatedCalls(string database, BackfillWindow window) => $"""
        SELECT uniq(project_id, id) FROM {Table(database)}
        WHERE sortable_datetime >= {BackfillWindow.Literal(window.From)} AND sortable_datetime < {BackfillWindow.Literal(window.To)}
        """;

    private static string GroupedWindow(string database, BackfillWindow window)
    {
        var from = BackfillWindow.Literal(window.From);
        var to = BackfillWindow.Literal(window.To);
        var wideFrom = BackfillWindow.Literal(window.From - MergedRowSlack);
        var wideTo = BackfillWindow.Literal(window.To + MergedRowSlack);
        var table = Table(database);
        return $"""
            FROM {table}
            WHERE (project_id, id) IN (
                SELECT project_id, id FROM {table}
                WHERE sortable_datetime >= {wideFrom} AND sortable_datetime < {wideTo}
                  AND ((sortable_datetime >= {from} AND sortable_datetime < {to})
                       OR (isNotNull(started_at) AND started_at >= {from} AND started_at < {to})))
            GROUP BY project_id, id
            HAVING any(deleted_at) IS NULL
               AND coalesce(any(started_at), any(ended_at)) >= {from} AND coalesce(any(started_at), any(ended_at)) < {to}
            """;
    }

    private static string Table(string database) => ClickHouseIdentifier.Qualified(database, CallsMergedTable.Name);
}
