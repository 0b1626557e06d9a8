using System.Text;
using CallJoin.Core.Join;

namespace CallJoin.ClickHouse.Lookup;

/// <summary>The two lookup statements, for one batch of keys.</summary>
/// <remarks>
/// Keys go in as <c>unhex('…')</c> constants: exact for any bytes, with nothing to escape. Each statement filters on
/// the set of projects and the set of ids (which the primary key and the id bloom-filter indexes both use), so a
/// pair not asked for can come back when its project and id were each asked for with another; the reader drops it.
/// </remarks>
internal static class LookupSql
{
    /// <summary>
    /// The current calls_complete row of each key. <c>argMax</c> by <c>(created_at, ended_at)</c> rather than FINAL:
    /// the same answer (every version of a call shares project_id and id, and a complete row wins a created_at tie),
    /// but it needs no <c>use_skip_indexes_if_final</c> to use idx_id_bloom. The dumps, refs and exception of a row that
    /// is not running are sent empty: the caller only counts it.
    /// </summary>
    /// <remarks>
    /// Cost: <c>project_id</c> leads the sort key <c>(project_id, started_at, id)</c>, so the primary index narrows the
    /// read to the asked projects' ranges; <c>id</c> is third, so within those ranges idx_id_bloom (bloom_filter(0.01),
    /// granularity 1) keeps the granules that may hold an asked id: about one granule (8192 rows) per key, plus 1% of
    /// the projects' granules as false positives, in every partition (months of started_at), since started_at is not
    /// known. The key columns are read first (PREWHERE), the wide columns only for the kept granules' matching rows.
    /// </remarks>
    public static string Calls(string table, IReadOnlyList<LookupKey> keys, int from, int count)
    {
        const string Running = "ended_at = toDateTime64(0, 6) AND deleted_at = toDateTime64(0, 3)";
        var sql = new StringBuilder(256 + (count * 160));
        sql.Append("SELECT project_id, id, argMax(tuple(created_at, started_at, ended_at, deleted_at, trace_id, op_name, parent_id, ")
            .Append("display_name, wb_user_id, wb_run_id, thread_id, turn_id, wb_run_step, wb_run_step_end, ")
            .Append("if(").Append(Running).Append(", exception, ''), ")
            .Append("if(").Append(Running).Append(", otel_dump, ''), ")
            .Append("if(").Append(Running).Append(", inputs_dump, ''), ")
            .Append("if(").Append(Running).Append(", input_refs, []), ")
            .Append("if(").Append(Running).Append(", output_dump, ''), ")
            .Append("if(").Append(Running).Append(", summary_dump, ''), ")
            .Append("if(").Append(Running).Append(", output_refs, []), ")
            .Append("if(").Append(Running).Append(", attributes_dump, '')), tuple(created_at, ended_at))\n")
            .Append("FROM ").Append(table).Append('\n');
        KeyFilter(sql, keys, from, count, "id");
        sql.Append("GROUP BY project_id, id\nFORMAT RowBinary");
        return sql.ToString();
    }

    /// <summary>
    /// The first <c>start_missing</c> record of each key (earliest first_seen, then partition and offset). Not FINAL:
    /// the versions FINAL would collapse are redeliveries of one Kafka record (the sort key is its coordinates and
    /// reason), so they carry the same payload and call id; FINAL would only cost a merge, and on older servers the
    /// skip index. Cost: no sort-key prefix applies, so idx_call_id (bloom_filter on call_id) picks the granules.
    /// </summary>
    public static string StartMissing(string table, IReadOnlyList<LookupKey> keys, int from, int count)
    {
        var sql = new StringBuilder(256 + (count * 160));
        sql.Append("SELECT project_id, call_id, argMin(tuple(partition, offset, first_seen, payload), tuple(first_seen, partition, offset))\n")
            .Append("FROM ").Append(table).Append('\n');
        KeyFilter(sql, keys, from, count, "call_id");
        sql.Append("AND reason = '").Append(JoinErrorReason.StartMissing).Append("'\n")
            .Append("GROUP BY project_id, call_id\nFORMAT RowBinary");
        return sql.ToString();
    }

    private static void KeyFilter(StringBuilder sql, IReadOnlyList<LookupKey> keys, int from, int count, string idColumn)
    {
        sql.Append("WHERE project_id IN (");
        Constants(sql, keys, from, count, k => k.ProjectId);
        sql.Append(")\nAND ").Append(idColumn).Append(" IN (");
        Constants(sql, keys, from, count, k => k.Id);
        sql.Append(")\n");
    }

    private static void Constants(StringBuilder sql, IReadOnlyList<LookupKey> keys, int from, int count, Func<LookupKey, ReadOnlyMemory<byte>> part)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = from; i < from + count; i++)
        {
            var hex = Convert.ToHexString(part(keys[i]).Span);
            if (seen.Add(hex))
            {
                sql.Append(seen.Count == 1 ? "" : ", ").Append("unhex('").Append(hex).Append("')");
            }
        }
    }
}
