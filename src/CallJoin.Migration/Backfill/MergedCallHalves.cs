using System.Buffers;
using System.Data;
using System.Globalization;
using System.Text.Json;
using Column = CallJoin.Migration.Backfill.MergedCallQuery.Column;

namespace CallJoin.Migration.Backfill;

/// <summary>
/// Turns one merged calls_merged call back into the start and end messages it was stored from, so that the live
/// join's own row builder makes its calls_complete row: the backfill has no second mapping of columns to row.
/// </summary>
/// <remarks>
/// <para>
/// The *_dump columns hold <c>json.dumps</c> text; they go in as raw JSON values and the builder dumps them again,
/// which for text Python wrote gives the same bytes. NULL columns are left out, as an absent field: the builder gives
/// them the same sentinels ('' / 0 / <c>{}</c> / <c>null</c>) as for a message without them. Refs are not read: the
/// builder finds them in inputs and output, as for a message.
/// </para>
/// <para>Reused row after row; the spans are valid until the next <see cref="Read"/>. Single-threaded.</para>
/// </remarks>
public sealed class MergedCallHalves : IDisposable
{
    private readonly ArrayBufferWriter<byte> _start = new(4096);
    private readonly ArrayBufferWriter<byte> _end = new(4096);
    private readonly Utf8JsonWriter _json = new(Stream.Null);

    /// <summary>The rebuilt start message; empty when the call has no start.</summary>
    public ReadOnlySpan<byte> Start => _start.WrittenSpan;

    /// <summary>The rebuilt end message; empty when the call has no end.</summary>
    public ReadOnlySpan<byte> End => _end.WrittenSpan;

    public string ProjectId { get; private set; } = "";

    public string Id { get; private set; } = "";

    /// <summary>started_at in µs since the epoch; null without a start.</summary>
    public long? StartedAtMicros { get; private set; }

    /// <summary>ended_at in µs since the epoch; null without an end.</summary>
    public long? EndedAtMicros { get; private set; }

    /// <summary>The day the call belongs to: its start's, or its end's when it has no start.</summary>
    public DateOnly Day => DateOnly.FromDateTime(DateTime.UnixEpoch.AddTicks((StartedAtMicros ?? EndedAtMicros ?? 0) * 10));

    public void Dispose() => _json.Dispose();

    /// <summary>Rebuilds both halves from the current row of a <see cref="MergedCallQuery.Calls"/> reader.</summary>
    public void Read(IDataRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ProjectId = record.GetString((int)Column.ProjectId);
        Id = record.GetString((int)Column.Id);
        StartedAtMicros = Int64(record, Column.StartedAtMicros);
        EndedAtMicros = Int64(record, Column.EndedAtMicros);
        _start.Clear();
        _end.Clear();
        if (StartedAtMicros is { } started)
        {
            Begin(_start);
            Text(record, "op_name"u8, Column.OpName);
            Text(record, "display_name"u8, Column.DisplayName);
            Text(record, "trace_id"u8, Column.TraceId);
            Text(record, "parent_id"u8, Column.ParentId);
            Text(record, "thread_id"u8, Column.ThreadId);
            Text(record, "turn_id"u8, Column.TurnId);
            _json.WriteString("started_at"u8, IsoMicros(started));
            Raw(record, "attributes"u8, Column.AttributesDump);
            Raw(record, "inputs"u8, Column.InputsDump);
            Raw(record, "otel_dump"u8, Column.OtelDump);
            Text(record, "wb_user_id"u8, Column.WbUserId);
            Text(record, "wb_run_id"u8, Column.WbRunId);
            Count(record, "wb_run_step"u8, Column.WbRunStep);
            Finish();
        }

        if (EndedAtMicros is { } ended)
        {
            Begin(_end);
            _json.WriteString("ended_at"u8, IsoMicros(ended));
            Text(record, "exception"u8, Column.Exception);
            Raw(record, "output"u8, Column.OutputDump);
            Raw(record, "summary"u8, Column.SummaryDump);
            Count(record, "wb_run_step_end"u8, Column.WbRunStepEnd);
            Finish();
        }
    }

    private void Begin(ArrayBufferWriter<byte> buffer)
    {
        _json.Reset(buffer);
        _json.WriteStartObject();
        _json.WriteString("project_id"u8, ProjectId);
        _json.WriteString("id"u8, Id);
    }

    private void Finish()
    {
        _json.WriteEndObject();
        _json.Flush();
    }

    private void Text(IDataRecord record, ReadOnlySpan<byte> name, Column column)
    {
        if (!record.IsDBNull((int)column))
        {
            _json.WriteString(name, record.GetString((int)column));
        }
    }

    /// <summary>A dump as the raw JSON value it is; the builder validates it.</summary>
    private void Raw(IDataRecord record, ReadOnlySpan<byte> name, Column column)
    {
        if (!record.IsDBNull((int)column))
        {
            _json.WritePropertyName(name);
            _json.WriteRawValue(record.GetString((int)column), skipInputValidation: true);
        }
    }

    private void Count(IDataRecord record, ReadOnlySpan<byte> name, Column column)
    {
        if (!record.IsDBNull((int)column))
        {
            _json.WriteNumber(name, Convert.ToUInt64(record.GetValue((int)column), CultureInfo.InvariantCulture));
        }
    }

    private static long? Int64(IDataRecord record, Column column) =>
        record.IsDBNull((int)column) ? null : Convert.ToInt64(record.GetValue((int)column), CultureInfo.InvariantCulture);

    private static string IsoMicros(long micros) =>
        DateTime.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
