using System.Buffers;
using CallJoin.ClickHouse.RowBinary;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core.Halves;

namespace CallJoin.Workload.Legacy;

/// <summary>
/// Encodes one <c>call_parts</c> row as RowBinary from a half's fields as <see cref="CallRowBuilder"/> read them: a
/// start row carries the start's columns, an end row the end's, every other column NULL, as the old trace server's
/// <c>call_start</c> and <c>call_end</c> inserts did.
/// </summary>
/// <remarks>
/// Absent optional values (the builder's '' and 0) are written NULL, as upstream wrote a missing pydantic field;
/// an explicit empty string or 0 reads back the same from calls_merged either way. <c>created_at</c> is left to the
/// column's default (<c>now64(3)</c>, the insert time), as upstream did. Stateless.
/// </remarks>
public static class LegacyCallPartEncoder
{
    private static readonly string[] s_columnNames =
        [.. CallPartsTable.Columns.Select(c => c.Name).Where(name => name != "created_at")];

    /// <summary>The columns written, in order: every call_parts column except <c>created_at</c>.</summary>
    public static IReadOnlyList<string> ColumnNames => s_columnNames;

    /// <summary>Appends the start row of <paramref name="row"/> (built from the start alone).</summary>
    public static void WriteStart(IBufferWriter<byte> output, CallRowData row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var w = new RowBinaryWriter(output);
        w.WriteString(row.Id);
        w.WriteString(row.ProjectId);
        OptionalString(output, row.ParentId);
        OptionalString(output, row.TraceId);
        OptionalString(output, row.OpName);
        Present(output);
        w.WriteDateTime64Micros(row.StartedAtMicros);
        Text(output, row.AttributesDump);
        Text(output, row.InputsDump);
        Refs(w, row.InputRefs);
        Null(output); // ended_at
        Null(output); // output_dump
        Null(output); // summary_dump
        Null(output); // exception
        w.WriteArrayLength(0); // output_refs
        OptionalString(output, row.WbUserId);
        OptionalString(output, row.WbRunId);
        Null(output); // deleted_at
        OptionalString(output, row.DisplayName);
        OptionalCount(output, row.WbRunStep);
        OptionalString(output, row.ThreadId);
        OptionalString(output, row.TurnId);
        Null(output); // wb_run_step_end
        OptionalString(output, row.OtelDump);
    }

    /// <summary>Appends the end row of <paramref name="row"/> (built from the end, over a key-only start).</summary>
    public static void WriteEnd(IBufferWriter<byte> output, CallRowData row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var w = new RowBinaryWriter(output);
        w.WriteString(row.Id);
        w.WriteString(row.ProjectId);
        Null(output); // parent_id
        Null(output); // trace_id
        Null(output); // op_name
        Null(output); // started_at
        Null(output); // attributes_dump
        Null(output); // inputs_dump
        w.WriteArrayLength(0); // input_refs
        Present(output);
        w.WriteDateTime64Micros(row.EndedAtMicros);
        Text(output, row.OutputDump);
        Text(output, row.SummaryDump);
        OptionalString(output, row.Exception);
        Refs(w, row.OutputRefs);
        Null(output); // wb_user_id
        Null(output); // wb_run_id
        Null(output); // deleted_at
        Null(output); // display_name
        Null(output); // wb_run_step
        Null(output); // thread_id
        Null(output); // turn_id
        OptionalCount(output, row.WbRunStepEnd);
        Null(output); // otel_dump
    }

    private static void Refs(RowBinaryWriter w, CallRefs refs)
    {
        w.WriteArrayLength(refs.Count);
        for (var i = 0; i < refs.Count; i++)
        {
            w.WriteString(refs[i]);
        }
    }

    /// <summary>A dump the old server always wrote (<c>json.dumps</c> of a value, never NULL).</summary>
    private static void Text(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        Present(output);
        new RowBinaryWriter(output).WriteString(value);
    }

    private static void OptionalString(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Null(output);
            return;
        }

        Text(output, value);
    }

    private static void OptionalCount(IBufferWriter<byte> output, ulong value)
    {
        if (value == 0)
        {
            Null(output);
            return;
        }

        Present(output);
        new RowBinaryWriter(output).WriteUInt64(value);
    }

    /// <summary>RowBinary Nullable: a 1 byte and no value.</summary>
    private static void Null(IBufferWriter<byte> output)
    {
        output.GetSpan(1)[0] = 1;
        output.Advance(1);
    }

    /// <summary>RowBinary Nullable: a 0 byte, then the value.</summary>
    private static void Present(IBufferWriter<byte> output)
    {
        output.GetSpan(1)[0] = 0;
        output.Advance(1);
    }
}
