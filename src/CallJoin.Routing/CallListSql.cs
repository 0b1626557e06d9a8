using System.Globalization;
using System.Text;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace CallJoin.Routing;

/// <summary>
/// The call list query on each table, with every value bound as a ClickHouse query parameter. Both select the same
/// columns in the same order (see <see cref="CallJsonWriter"/>), so one reader serves both.
/// </summary>
/// <remarks>
/// calls_merged is read the trace server's way: GROUP BY (project_id, id) with any()/argMaxMerge(), filters on merged
/// values in HAVING. Only the lower started_at bound may also go into WHERE (on <c>sortable_datetime</c>, which every
/// part carries at or after its call's started_at); an upper bound there would drop a late end part. calls_complete is
/// read with FINAL and plain WHERE filters on its sort key.
/// </remarks>
public static class CallListSql
{
    /// <summary>The statement and its parameters for <paramref name="query"/> on <paramref name="table"/>.</summary>
    public static (string Sql, ClickHouseParameterCollection Parameters) For(ReadTable table, CallQuery query, string? database)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("project_id", query.ProjectId);
        parameters.AddParameter("limit", (uint)query.Limit);
        parameters.AddParameter("offset", (uint)query.Offset);
        if (query.StartedAfter is { } after)
        {
            parameters.AddParameter("started_after", Timestamp(after));
        }

        if (query.StartedBefore is { } before)
        {
            parameters.AddParameter("started_before", Timestamp(before));
        }

        foreach (var (name, value) in new[] { ("op_name", query.OpName), ("trace_id", query.TraceId), ("parent_id", query.ParentId) })
        {
            if (value is not null)
            {
                parameters.AddParameter(name, value);
            }
        }

        var sql = table == ReadTable.CallsMerged ? Merged(query, database) : Complete(query, database);
        return (sql, parameters);
    }

    private static string Merged(CallQuery q, string? database)
    {
        var sql = new StringBuilder(
            $$"""
            SELECT id, any(op_name), argMaxMerge(display_name), any(trace_id), any(parent_id), any(thread_id), any(turn_id),
                toUnixTimestamp64Micro(any(started_at)), toUnixTimestamp64Micro(any(ended_at)), any(exception),
                any(attributes_dump), any(inputs_dump), any(output_dump), any(summary_dump),
                any(wb_user_id), any(wb_run_id), any(wb_run_step), any(wb_run_step_end)
            FROM {{ClickHouseIdentifier.Qualified(database, CallsMergedTable.Name)}}
            WHERE project_id = {project_id:String}
            """);
        if (q.StartedAfter is not null)
        {
            sql.Append("\n    AND sortable_datetime >= {started_after:DateTime64(6, 'UTC')}");
        }

        sql.Append("\nGROUP BY project_id, id\nHAVING any(deleted_at) IS NULL AND any(started_at) IS NOT NULL");
        Filters(sql, q, "any(started_at)", c => $"any({c})");
        var direction = q.Descending ? " DESC" : "";
        sql.Append(CultureInfo.InvariantCulture, $"\nORDER BY any(started_at){direction}, id{direction}\nLIMIT {{limit:UInt32}} OFFSET {{offset:UInt32}}");
        return sql.ToString();
    }

    private static string Complete(CallQuery q, string? database)
    {
        var sql = new StringBuilder(
            $$"""
            SELECT id, op_name, display_name, trace_id, parent_id, thread_id, turn_id,
                toUnixTimestamp64Micro(started_at), toUnixTimestamp64Micro(ended_at), exception,
                attributes_dump, inputs_dump, output_dump, summary_dump,
                wb_user_id, wb_run_id, wb_run_step, wb_run_step_end
            FROM {{ClickHouseIdentifier.Qualified(database, CallsCompleteTable.Name)}} FINAL
            WHERE project_id = {project_id:String} AND deleted_at = toDateTime64(0, 3)
            """);
        Filters(sql, q, "started_at", c => c);
        var direction = q.Descending ? " DESC" : "";
        sql.Append(CultureInfo.InvariantCulture, $"\nORDER BY started_at{direction}, id{direction}\nLIMIT {{limit:UInt32}} OFFSET {{offset:UInt32}}");
        return sql.ToString();
    }

    private static void Filters(StringBuilder sql, CallQuery q, string startedAt, Func<string, string> column)
    {
        if (q.StartedAfter is not null)
        {
            sql.Append(CultureInfo.InvariantCulture, $"\n    AND {startedAt} >= {{started_after:DateTime64(6, 'UTC')}}");
        }

        if (q.StartedBefore is not null)
        {
            sql.Append(CultureInfo.InvariantCulture, $"\n    AND {startedAt} < {{started_before:DateTime64(6, 'UTC')}}");
        }

        if (q.OpName is not null)
        {
            sql.Append(CultureInfo.InvariantCulture, $"\n    AND {column("op_name")} = {{op_name:String}}");
        }

        if (q.TraceId is not null)
        {
            sql.Append(CultureInfo.InvariantCulture, $"\n    AND {column("trace_id")} = {{trace_id:String}}");
        }

        if (q.ParentId is not null)
        {
            sql.Append(CultureInfo.InvariantCulture, $"\n    AND {column("parent_id")} = {{parent_id:String}}");
        }
    }

    /// <summary>A UTC instant; the driver formats it for the parameter's declared type, DateTime64(6, 'UTC').</summary>
    private static DateTime Timestamp(DateTime value) => value.Kind == DateTimeKind.Unspecified
        ? DateTime.SpecifyKind(value, DateTimeKind.Utc)
        : value.ToUniversalTime();
}
