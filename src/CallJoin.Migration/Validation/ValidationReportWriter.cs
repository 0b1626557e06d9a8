using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CallJoin.Migration.Validation;

/// <summary>Writes a <see cref="ValidationReport"/> as Markdown, as JSON, or as a short console summary.</summary>
public static class ValidationReportWriter
{
    private const int MaxConsoleCountLines = 20;

    /// <summary>Writes the report in <paramref name="format"/> to <paramref name="path"/>, replacing the file.</summary>
    public static async Task WriteFileAsync(ValidationReport report, ValidationReportFormat format, string path, CancellationToken ct = default)
    {
        var text = format == ValidationReportFormat.Json ? Json(report) : Markdown(report);
        await File.WriteAllTextAsync(path, text, new UTF8Encoding(false), ct).ConfigureAwait(false);
    }

    /// <summary>A few lines for the console: the range, the totals and the verdict.</summary>
    public static string Summary(ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        var o = report.Options;
        sb.AppendLine(Invariant($"validate: {o.From:yyyy-MM-dd} .. {o.To:yyyy-MM-dd}, database '{o.Database}'{(o.ProjectId is null ? "" : $", project '{o.ProjectId}'")}, sample {(o.Sample == 0 ? "all" : o.Sample.ToString(CultureInfo.InvariantCulture))} per day"));
        sb.AppendLine(Invariant($"  calls_merged:   {Counts(report.MergedTotal)}"));
        sb.AppendLine(Invariant($"  calls_complete: {Counts(report.NewTotal, "start_missing")}"));
        sb.AppendLine(Invariant($"  compared {report.CallsCompared} call(s), {report.FieldsCompared} field(s); {report.Mismatches} mismatching call(s); {report.CountMismatches} (day, project) with different counts"));
        // The console names a few; the report file has every (day, project).
        foreach (var v in report.Verdicts.Where(v => v.Merged != v.New).Take(MaxConsoleCountLines))
        {
            sb.AppendLine(Invariant($"  counts differ {v.Day:yyyy-MM-dd} {v.ProjectId}: merged {Counts(v.Merged)} / complete {Counts(v.New, "start_missing")}"));
        }

        if (report.CountMismatches > MaxConsoleCountLines)
        {
            sb.AppendLine(Invariant($"  … and {report.CountMismatches - MaxConsoleCountLines} more (day, project) with different counts (see --report)"));
        }

        foreach (var m in report.Listed)
        {
            sb.AppendLine(Invariant($"  {m.Day:yyyy-MM-dd} {m.Key.ProjectId} {m.Key.Id}: {Describe(m)}"));
        }

        var unlisted = report.Mismatches - report.Listed.Count;
        if (unlisted > 0)
        {
            sb.AppendLine(Invariant($"  … and {unlisted} more mismatching call(s) not listed"));
        }

        var bad = report.Verdicts.Count(v => !v.Consistent);
        sb.Append(report.Consistent
            ? Invariant($"validate: CONSISTENT ({report.Verdicts.Count} day/project pair(s))")
            : Invariant($"validate: MISMATCH in {bad} of {report.Verdicts.Count} day/project pair(s)"));
        return sb.ToString();
    }

    /// <summary>The report as Markdown: the verdict, a table per (day, project), then the listed mismatches.</summary>
    public static string Markdown(ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var o = report.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# calljoin validate: calls_merged vs calls_complete").AppendLine();
        sb.AppendLine(Invariant($"- database: `{o.Database}`; days {o.From:yyyy-MM-dd} to {o.To:yyyy-MM-dd} (UTC); project: {(o.ProjectId is null ? "all" : $"`{o.ProjectId}`")}"));
        sb.AppendLine(Invariant($"- sample: {(o.Sample == 0 ? "every call" : $"{o.Sample} calls per day")}; refs compared {(o.RefsAsSets ? "as sets" : "exactly")}; checked at {report.CheckedAt:yyyy-MM-ddTHH:mm:ssZ}"));
        sb.AppendLine(Invariant($"- verdict: **{(report.Consistent ? "consistent" : "mismatch")}**; {report.CallsCompared} calls and {report.FieldsCompared} fields compared, {report.Mismatches} mismatching calls, {report.CountMismatches} day/project pairs with different counts"));
        sb.AppendLine().AppendLine("## Per day and project").AppendLine();
        sb.AppendLine("| day | project | status | merged complete | merged running | merged end-only | complete complete | complete running | start_missing | calls compared | mismatches |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var v in report.Verdicts)
        {
            sb.AppendLine(Invariant($"| {v.Day:yyyy-MM-dd} | `{Cell(v.ProjectId)}` | {(v.Consistent ? "consistent" : "**mismatch**")} | {v.Merged.Complete} | {v.Merged.Running} | {v.Merged.EndOnly} | {v.New.Complete} | {v.New.Running} | {v.New.EndOnly} | {v.CallsCompared} | {v.Mismatches} |"));
        }

        sb.AppendLine().AppendLine("## Mismatching calls").AppendLine();
        if (report.Listed.Count == 0)
        {
            sb.AppendLine("None among the sampled calls.");
        }

        foreach (var m in report.Listed)
        {
            sb.AppendLine(Invariant($"- {m.Day:yyyy-MM-dd} `{Cell(m.Key.ProjectId)}` `{Cell(m.Key.Id)}`: {Describe(m)}"));
            foreach (var f in m.Fields)
            {
                sb.AppendLine(Invariant($"  - `{f.Field}`: calls_merged `{Cell(f.Merged ?? "?")}` / calls_complete `{Cell(f.Complete ?? "?")}`"));
            }
        }

        var unlisted = report.Mismatches - report.Listed.Count;
        if (unlisted > 0)
        {
            sb.AppendLine().AppendLine(Invariant($"{unlisted} more mismatching calls are counted above but not listed (at most {o.MaxListedPerDay} per day)."));
        }

        return sb.ToString();
    }

    /// <summary>The report as one JSON object (snake_case keys, counts as numbers).</summary>
    public static string Json(ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var o = report.Options;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("database", o.Database);
            w.WriteString("from", Day(o.From));
            w.WriteString("to", Day(o.To));
            if (o.ProjectId is null)
            {
                w.WriteNull("project_id");
            }
            else
            {
                w.WriteString("project_id", o.ProjectId);
            }

            w.WriteNumber("sample", o.Sample);
            w.WriteBoolean("refs_as_sets", o.RefsAsSets);
            w.WriteString("checked_at", report.CheckedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteString("status", report.Consistent ? "consistent" : "mismatch");
            w.WriteStartObject("totals");
            WriteCounts(w, "merged", report.MergedTotal, "end_only");
            WriteCounts(w, "complete", report.NewTotal, "start_missing");
            w.WriteNumber("calls_compared", report.CallsCompared);
            w.WriteNumber("fields_compared", report.FieldsCompared);
            w.WriteNumber("mismatches", report.Mismatches);
            w.WriteNumber("listed", report.Listed.Count);
            w.WriteNumber("count_mismatches", report.CountMismatches);
            w.WriteEndObject();
            w.WriteStartArray("verdicts");
            foreach (var v in report.Verdicts)
            {
                w.WriteStartObject();
                w.WriteString("day", Day(v.Day));
                w.WriteString("project_id", v.ProjectId);
                w.WriteString("status", v.Consistent ? "consistent" : "mismatch");
                WriteCounts(w, "merged", v.Merged, "end_only");
                WriteCounts(w, "complete", v.New, "start_missing");
                w.WriteNumber("calls_compared", v.CallsCompared);
                w.WriteNumber("fields_compared", v.FieldsCompared);
                w.WriteNumber("mismatches", v.Mismatches);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("mismatches");
            foreach (var m in report.Listed)
            {
                w.WriteStartObject();
                w.WriteString("day", Day(m.Day));
                w.WriteString("project_id", m.Key.ProjectId);
                w.WriteString("id", m.Key.Id);
                w.WriteString("kind", KindName(m.Kind));
                w.WriteStartArray("fields");
                foreach (var f in m.Fields)
                {
                    w.WriteStartObject();
                    w.WriteString("field", f.Field);
                    w.WriteString("merged", f.Merged);
                    w.WriteString("complete", f.Complete);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The stable name of a mismatch kind, as the JSON report writes it.</summary>
    public static string KindName(CallMismatchKind kind) => kind switch
    {
        CallMismatchKind.MissingInComplete => "missing_in_complete",
        CallMismatchKind.MissingInMerged => "missing_in_merged",
        CallMismatchKind.DuplicateInComplete => "duplicate_in_complete",
        _ => "fields_differ",
    };

    private static string Describe(CallMismatch m) => m.Kind == CallMismatchKind.FieldsDiffer
        ? "fields differ: " + string.Join(", ", m.Fields.Select(f => f.Field))
        : KindName(m.Kind).Replace('_', ' ');

    private static void WriteCounts(Utf8JsonWriter w, string name, CallClassCounts counts, string endOnlyName)
    {
        w.WriteStartObject(name);
        w.WriteNumber("complete", counts.Complete);
        w.WriteNumber("running", counts.Running);
        w.WriteNumber(endOnlyName, counts.EndOnly);
        w.WriteEndObject();
    }

    private static string Counts(CallClassCounts c, string endOnly = "end-only") =>
        Invariant($"{c.Complete} complete, {c.Running} running, {c.EndOnly} {endOnly}");

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A value inside a Markdown code span in a table or list: no backquotes, pipes or line breaks.</summary>
    private static string Cell(string text) =>
        text.Replace('`', '\'').Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
