using System.Globalization;
using System.Text;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core.Join;

namespace CallJoin.Migration.Validation;

/// <summary>
/// The SQL of a validation run, one statement per side per day (or per chunk of a day): counts by class, the sampled
/// calls with one hash per compared column, and the values of the few calls listed in a report.
/// </summary>
/// <remarks>
/// calls_merged is read as the trace server reads it: GROUP BY (project_id, id) with <c>any()</c>, deleted calls left
/// out in HAVING. A call belongs to the day of its started_at, an end-only fragment to the day of its ended_at.
/// calls_complete is read with FINAL and without deleted rows.
/// </remarks>
internal sealed class ValidationQueries(ValidationOptions options)
{
    private const string NoEnd = "toDateTime64(0, 6)";
    private const string NotDeleted = "deleted_at = toDateTime64(0, 3)";

    /// <summary>Characters of a value shown in a report; longer values are cut and end in '…'.</summary>
    private const int MaxValueChars = 200;

    private readonly string _merged = Table(options, CallsMergedTable.Name);
    private readonly string _complete = Table(options, CallsCompleteTable.Name);
    private readonly string _errors = Table(options, CallJoinErrorsTable.Name);
    private readonly string _verdicts = Table(options, MigrationValidationTable.Name);
    private readonly IReadOnlyList<ComparedColumn> _columns = options.RefsAsSets ? ComparedColumn.WithRefsAsSets : ComparedColumn.All;

    /// <summary>The compared columns' names and order (the same whichever way refs are compared).</summary>
    public static IReadOnlyList<ComparedColumn> Columns => ComparedColumn.All;

    /// <summary>calls_merged: (project, complete, running, end_only) for <paramref name="day"/>.</summary>
    public string MergedCounts(DateOnly day) => $"""
        SELECT project,
            countIf(isNotNull(started) AND isNotNull(ended)),
            countIf(isNotNull(started) AND isNull(ended)),
            countIf(isNull(started))
        FROM (
            SELECT m.project_id AS project, any(m.started_at) AS started, any(m.ended_at) AS ended
            FROM {_merged} AS m
            WHERE {MergedScope(day)}
            GROUP BY m.project_id, m.id
            HAVING isNull(any(m.deleted_at)) AND toDate(coalesce(started, ended), 'UTC') = {SqlLiteral.Date(day)}
        )
        GROUP BY project
        """;

    /// <summary>calls_complete: (project, complete, running) for <paramref name="day"/>.</summary>
    public string CompleteCounts(DateOnly day) => $"""
        SELECT project_id, countIf(ended_at != {NoEnd}), countIf(ended_at = {NoEnd})
        FROM {_complete} FINAL
        WHERE {CompleteScope(day)}
        GROUP BY project_id
        """;

    /// <summary>
    /// calljoin_errors: (project, calls) with a start_missing record whose end is of <paramref name="day"/> and no row
    /// in calls_complete (a late start completed those). The day is the end's ended_at, read from the record's payload
    /// (the end half), or the record's first_seen when the payload has none.
    /// </summary>
    public string StartMissingCounts(DateOnly day) => $"""
        SELECT project_id, count()
        FROM (
            SELECT project_id, call_id,
                min(coalesce(
                    parseDateTime64BestEffortOrNull(JSONExtractString(payload, 'ended_at'), 6, 'UTC'),
                    toDateTime64(first_seen, 6, 'UTC'))) AS ended
            FROM {_errors} FINAL
            WHERE reason = {SqlLiteral.String(JoinErrorReason.StartMissing)}{ProjectFilter("project_id")}
            GROUP BY project_id, call_id
            HAVING toDate(ended, 'UTC') = {SqlLiteral.Date(day)}
        )
        WHERE (project_id, call_id) NOT IN (
            SELECT project_id, id FROM {_complete}
            WHERE (project_id, id) IN (SELECT project_id, call_id FROM {_errors} WHERE reason = {SqlLiteral.String(JoinErrorReason.StartMissing)}))
        GROUP BY project_id
        """;

    /// <summary>
    /// calls_merged's calls started on <paramref name="day"/> (not end-only) as (project, id, pick, hash per column), ordered by the sample hash <c>pick</c>; <paramref name="limit"/> 0 means all; <paramref name="bucket"/>
    /// restricts to one of several id-hash buckets.
    /// </summary>
    public string MergedSample(DateOnly day, int limit, (int Count, int Index)? bucket) => $"""
        SELECT m.project_id AS project, m.id AS call_id, cityHash64(m.project_id, m.id) AS pick,
            {Hashes(c => c.Merged)}
        FROM {_merged} AS m
        WHERE {MergedScope(day)}{Bucket("m.project_id, m.id", bucket)}
        GROUP BY m.project_id, m.id
        HAVING isNull(any(m.deleted_at)) AND isNotNull(any(m.started_at)) AND toDate(any(m.started_at), 'UTC') = {SqlLiteral.Date(day)}
        ORDER BY pick, project, call_id
        {Limit(limit)}
        """;

    /// <summary>calls_complete's rows of <paramref name="day"/>, in the shape of <see cref="MergedSample"/>.</summary>
    public string CompleteSample(DateOnly day, int limit, (int Count, int Index)? bucket) => $"""
        SELECT project_id AS project, id AS call_id, cityHash64(project_id, id) AS pick,
            {Hashes(c => c.Complete)}
        FROM {_complete} FINAL
        WHERE {CompleteScope(day)}{Bucket("project_id, id", bucket)}
        ORDER BY pick, project, call_id
        {Limit(limit)}
        """;

    /// <summary>calls_merged's values of <paramref name="keys"/> as (project, id, text per column), long values shortened.</summary>
    public string MergedValues(IReadOnlyCollection<CallKeyText> keys) => $"""
        SELECT m.project_id, m.id, {Displays(c => c.Merged)}
        FROM {_merged} AS m
        WHERE (m.project_id, m.id) IN {SqlLiteral.Keys(keys)}
        GROUP BY m.project_id, m.id
        """;

    /// <summary>calls_complete's values of <paramref name="keys"/> on <paramref name="day"/>, as <see cref="MergedValues"/>.</summary>
    public string CompleteValues(DateOnly day, IReadOnlyCollection<CallKeyText> keys) => $"""
        SELECT project_id, id, {Displays(c => c.Complete)}
        FROM {_complete} FINAL
        WHERE {CompleteScope(day)} AND (project_id, id) IN {SqlLiteral.Keys(keys)}
        """;

    /// <summary>The (day, project) pairs migration_validation already holds in the range, so a pair now empty gets a fresh verdict.</summary>
    public string EarlierVerdicts() => $"""
        SELECT DISTINCT toString(batch_date), project_id FROM {_verdicts}
        WHERE batch_date >= {SqlLiteral.Date(options.From)} AND batch_date <= {SqlLiteral.Date(options.To)}{ProjectFilter("project_id")}
        """;

    /// <summary>One INSERT of <paramref name="verdicts"/> into migration_validation (checked_at: the server's now64(3)).</summary>
    public string InsertVerdicts(IEnumerable<DayProjectVerdict> verdicts)
    {
        var sb = new StringBuilder($"INSERT INTO {_verdicts} (batch_date, project_id, status, merged_complete, merged_running, ")
            .Append("merged_end_only, complete_complete, complete_running, start_missing_records, fields_compared, mismatches) VALUES");
        var first = true;
        foreach (var v in verdicts)
        {
            sb.Append(first ? " " : ", ").Append(CultureInfo.InvariantCulture,
                $"({SqlLiteral.Date(v.Day)}, {SqlLiteral.String(v.ProjectId)}, '{(v.Consistent ? "consistent" : "mismatch")}', ")
                .Append(CultureInfo.InvariantCulture, $"{v.Merged.Complete}, {v.Merged.Running}, {v.Merged.EndOnly}, ")
                .Append(CultureInfo.InvariantCulture, $"{v.New.Complete}, {v.New.Running}, {v.New.EndOnly}, {v.FieldsCompared}, {v.Mismatches})");
            first = false;
        }

        return sb.ToString();
    }

    /// <summary>
    /// The calls_merged groups that may hold a call of <paramref name="day"/>: every part (an end may lie days later) of
    /// each key with a part whose sortable_datetime, the indexed column, lies within the slack around the day and whose
    /// own sortable_datetime or started_at is of the day. A start part's sortable_datetime is its started_at, an end
    /// part's its ended_at, and a row folded from both either, hence the started_at test and the slack.
    /// </summary>
    /// <remarks>
    /// The same rule as the backfill's read, written independently on purpose: a call that read misses must not be
    /// missed by the check as well.
    /// </remarks>
    private string MergedScope(DateOnly day)
    {
        var from = SqlLiteral.Instant(day, TimeSpan.Zero);
        var to = SqlLiteral.Instant(day, TimeSpan.FromDays(1));
        return $"(m.project_id, m.id) IN (SELECT project_id, id FROM {_merged} " +
            $"WHERE sortable_datetime >= {SqlLiteral.Instant(day, -options.SortableSlack)} " +
            $"AND sortable_datetime < {SqlLiteral.Instant(day, TimeSpan.FromDays(1) + options.SortableSlack)} " +
            $"AND ((sortable_datetime >= {from} AND sortable_datetime < {to}) OR (started_at >= {from} AND started_at < {to}))" +
            $"{ProjectFilter("project_id")})" + ProjectFilter("m.project_id");
    }

    private string CompleteScope(DateOnly day) =>
        $"started_at >= {SqlLiteral.Instant(day, TimeSpan.Zero)} AND started_at < {SqlLiteral.Instant(day, TimeSpan.FromDays(1))} " +
        $"AND {NotDeleted}{ProjectFilter("project_id")}";

    private string ProjectFilter(string column) =>
        options.ProjectId is null ? "" : $" AND {column} = {SqlLiteral.String(options.ProjectId)}";

    private static string Bucket(string key, (int Count, int Index)? bucket) =>
        bucket is { } b ? string.Create(CultureInfo.InvariantCulture, $" AND cityHash64({key}) % {b.Count} = {b.Index}") : "";

    private static string Limit(int limit) => limit > 0 ? string.Create(CultureInfo.InvariantCulture, $"LIMIT {limit}") : "";

    private string Hashes(Func<ComparedColumn, string> value) =>
        string.Join(", ", _columns.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"sipHash64({value(c)}) AS h{i}")));

    private string Displays(Func<ComparedColumn, string> value) =>
        string.Join(", ", _columns.Select((c, i) =>
        {
            var text = c.Display.Replace("{0}", value(c), StringComparison.Ordinal);
            return string.Create(CultureInfo.InvariantCulture,
                $"if(lengthUTF8({text}) > {MaxValueChars}, concat(leftUTF8({text}, {MaxValueChars}), '…'), {text}) AS v{i}");
        }));

    private static string Table(ValidationOptions options, string table) => ClickHouseIdentifier.Qualified(options.Database, table);
}
