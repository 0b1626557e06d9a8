using System.Globalization;
using CallJoin.Workload.Legacy;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>calls-merged-mv</c>: the legacy path. Every half is inserted into call_parts as the old trace server did, in
/// batches of <see cref="CompareOptions.LegacyRowsPerInsert"/> rows, and <c>calls_merged_view</c> folds each insert into
/// calls_merged. Timed over the inserts; correct when calls_merged, merged by GROUP BY, holds every call of the data
/// once and every call with both halves complete.
/// </summary>
/// <remarks>Measured in the harness's process, which runs the embedded ClickHouse doing the view's work.</remarks>
internal sealed class MergedViewContender : ICompareContender
{
    public string Name => "calls-merged-mv";

    public async Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct)
    {
        var database = await data.FreshDatabaseAsync(Name, ct);
        var client = data.Client;

        var meter = InProcessMeter.Start();
        var written = await new LegacyCallPartsWriter(client, database, data.Options.LegacyRowsPerInsert).WriteAsync(data.Events, ct);
        var result = meter.Stop(Name, data.Variant, data.Events.Count, data.InputBytes, correct: false, note: null);

        using var reader = await client.ExecuteReaderAsync(
            $"""
            SELECT count(), countIf(s IS NOT NULL AND e IS NOT NULL)
            FROM (SELECT any(started_at) AS s, any(ended_at) AS e FROM {database}.calls_merged GROUP BY project_id, id)
            """, cancellationToken: ct);
        await reader.ReadAsync(ct);
        var calls = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
        var complete = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        var expected = data.Expected;
        var correct = calls == expected.Calls && complete == expected.CompleteRows;
        var note = $"{written.Parts:N0} call_parts rows in {written.Inserts:N0} inserts ({written.Refused:N0} malformed refused); "
            + $"calls_merged: {calls:N0} calls ({complete:N0} complete), expected {expected.Calls:N0} ({expected.CompleteRows:N0})";
        return result with { Correct = correct, Note = correct ? note : "MISMATCH " + note };
    }
}
