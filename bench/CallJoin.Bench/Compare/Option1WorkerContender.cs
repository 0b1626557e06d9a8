using System.Buffers;
using System.Globalization;
using System.Text;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core;
using CallJoin.Core.Halves;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>option1-worker</c>: the seed plan's "Option 1" per-message worker. Starts are in call_parts as the old trace
/// server wrote them (set up first, not timed); then for each end consumed from Kafka, one SELECT of its start from
/// call_parts by id and one INSERT of the complete row into calls_complete, each its own round trip, in sequence.
/// </summary>
/// <remarks>
/// Stops after <see cref="CompareOptions.Option1MaxEnds"/> ends or <see cref="CompareOptions.Option1MaxTime"/>, and
/// reports the rate of what it did. An end without a start (an orphan, or a malformed message) is what the plan
/// requeues; here it is counted and skipped. Correct when calls_complete holds exactly the calls of the ends processed
/// with a start. Measured in the harness's process, which also runs the embedded ClickHouse answering it.
/// </remarks>
internal sealed class Option1WorkerContender : ICompareContender
{
    private static readonly string[] Columns =
    [
        "id", "project_id", "trace_id", "op_name", "started_at", "ended_at", "parent_id", "display_name", "exception",
        "wb_user_id", "wb_run_id", "thread_id", "turn_id", "inputs_dump", "input_refs", "output_dump", "summary_dump",
        "output_refs", "attributes_dump", "wb_run_step", "wb_run_step_end", "otel_dump",
    ];

    private static readonly Dictionary<string, string> ColumnTypes =
        CallsCompleteTable.Columns.Where(c => Columns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);

    public string Name => "option1-worker";

    public async Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct)
    {
        var database = await data.FreshDatabaseAsync(Name, ct);
        var client = data.Client;
        await new LegacyCallPartsWriter(client, database).WriteAsync(data.Events.Where(e => e.Side == CallSide.Start), ct);

        var key = new HalfKey();
        var builder = new CallRowBuilder();
        var end = new CallRowData();
        var keyOnlyStart = new ArrayBufferWriter<byte>(256);
        var table = $"{database}.calls_complete";
        var insertOptions = new InsertOptions { ColumnTypes = ColumnTypes };
        long processed = 0, bytes = 0, withStart = 0, withoutStart = 0;
        var calls = new HashSet<string>(StringComparer.Ordinal);
        var meter = InProcessMeter.Start();
        var started = DateTime.UtcNow;
        foreach (var message in BacklogReader.Read(data.Broker.BootstrapServers, [WeaveTopics.CallEnded], data.Partitions, ct))
        {
            if (processed >= data.Options.Option1MaxEnds || DateTime.UtcNow - started >= data.Options.Option1MaxTime)
            {
                break;
            }

            processed++;
            var payload = message.Value ?? [];
            bytes += (message.Key?.Length ?? 0) + payload.Length;
            if (HalfParser.TryReadKey(payload, CallSide.End, key) != HalfParseStatus.Ok)
            {
                withoutStart++;
                continue;
            }

            KeyOnlyStart.Write(keyOnlyStart, key.ProjectId, key.Id);
            if (builder.Build(keyOnlyStart.WrittenSpan, payload, end) != HalfParseStatus.Ok)
            {
                withoutStart++;
                continue;
            }

            var row = await SelectStartAsync(client, database, end, ct);
            if (row is null)
            {
                withoutStart++;   // the plan requeues it; nothing here would ever bring its start
                continue;
            }

            await client.InsertBinaryAsync(table, Columns, [row], insertOptions, ct);
            withStart++;
            calls.Add((string)row[0]);
        }

        var seconds = meter.ElapsedSeconds;
        var result = meter.Stop(Name, data.Variant, processed, bytes, correct: false, note: null);

        // A redelivered end inserts the same row again; ClickHouse drops the identical block (the table's deduplication
        // window), so the table holds each call once.
        var rows = Convert.ToInt64(await client.ExecuteScalarAsync($"SELECT uniqExact(id) FROM {table}", cancellationToken: ct), CultureInfo.InvariantCulture);
        var correct = rows == calls.Count && processed > 0;
        var note = $"{processed:N0} of {data.Expected.Ends:N0} ends in {seconds:F0} s (capped at {data.Options.Option1MaxEnds:N0} ends or {data.Options.Option1MaxTime.TotalSeconds:F0} s): "
            + $"{withStart:N0} with a start ({calls.Count:N0} calls), {withoutStart:N0} without; calls_complete holds {rows:N0} calls";
        return result with { Correct = correct, Note = correct ? note : "MISMATCH " + note };
    }

    /// <summary>One round trip: the start's columns from call_parts, merged with the end's into a calls_complete row; null when there is no start.</summary>
    private static async Task<object[]?> SelectStartAsync(ClickHouseClient client, string database, CallRowData end, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("project_id", Encoding.UTF8.GetString(end.ProjectId));
        parameters.AddParameter("id", Encoding.UTF8.GetString(end.Id));
        using var reader = await client.ExecuteReaderAsync(
            $"""
            SELECT id, project_id, trace_id, op_name, started_at, parent_id, display_name, wb_user_id, wb_run_id, thread_id, turn_id,
                inputs_dump, input_refs, attributes_dump, wb_run_step, otel_dump
            FROM {database}.call_parts
            WHERE project_id = {"{project_id:String}"} AND id = {"{id:String}"} AND started_at IS NOT NULL
            LIMIT 1
            """, parameters, cancellationToken: ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        string Text(int i) => reader.IsDBNull(i) ? "" : reader.GetString(i);
        return
        [
            Text(0), Text(1), Text(2), Text(3), reader.GetDateTime(4),
            DateTimeOffset.UnixEpoch.AddTicks(end.EndedAtMicros * 10).UtcDateTime,
            Text(5), Text(6), Encoding.UTF8.GetString(end.Exception), Text(7), Text(8), Text(9), Text(10),
            Text(11), reader.GetValue(12) as string[] ?? [], Encoding.UTF8.GetString(end.OutputDump), Encoding.UTF8.GetString(end.SummaryDump),
            Refs(end.OutputRefs), Text(13), reader.IsDBNull(14) ? 0UL : Convert.ToUInt64(reader.GetValue(14), CultureInfo.InvariantCulture),
            end.WbRunStepEnd, Text(15),
        ];
    }

    private static string[] Refs(CallRefs refs)
    {
        var list = new string[refs.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = Encoding.UTF8.GetString(refs[i]);
        }

        return list;
    }
}
