using System.Buffers;
using CallJoin.ClickHouse.RowBinary;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core.Halves;

namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// Encodes one <c>calls_complete</c> row as RowBinary, every column in table order, straight from a
/// <see cref="CallRowData"/>: columns the row does not carry get their sentinels (<c>updated_at</c> and
/// <c>deleted_at</c> at the epoch, <c>expire_at</c> 2100-01-01, <c>source</c> <c>'calljoin'</c> unless told otherwise).
/// </summary>
/// <remarks>Stateless and allocation-free; safe from any thread as long as each output has one writer.</remarks>
public static class CallRowEncoder
{
    /// <summary><c>expire_at</c>'s default, 2100-01-01 00:00:00 UTC, as seconds since the epoch.</summary>
    public const uint ExpireAtSeconds = 4_102_444_800;

    private static readonly string[] s_columnNames = [.. CallsCompleteTable.Columns.Select(c => c.Name)];

    /// <summary>The columns written, in order (all of the table's).</summary>
    public static IReadOnlyList<string> ColumnNames => s_columnNames;

    /// <summary>Appends the row; <paramref name="createdAtMillis"/> is its ReplacingMergeTree version.</summary>
    public static void Write(IBufferWriter<byte> output, CallRowData row, long createdAtMillis) =>
        Write(output, row, createdAtMillis, CallsCompleteTable.CallJoinSource);

    /// <summary>Appends the row with <paramref name="source"/> as its <c>source</c> enum value.</summary>
    public static void Write(IBufferWriter<byte> output, CallRowData row, long createdAtMillis, sbyte source)
    {
        ArgumentNullException.ThrowIfNull(row);
        var w = new RowBinaryWriter(output);
        w.WriteString(row.Id);
        w.WriteString(row.ProjectId);
        w.WriteDateTime64Millis(createdAtMillis);
        w.WriteString(row.TraceId);
        w.WriteString(row.OpName);
        w.WriteDateTime64Micros(row.StartedAtMicros);
        w.WriteDateTime64Micros(row.EndedAtMicros);
        w.WriteDateTime64Millis(0); // updated_at
        w.WriteDateTime64Millis(0); // deleted_at
        w.WriteString(row.ParentId);
        w.WriteString(row.DisplayName);
        w.WriteString(row.Exception);
        w.WriteString(row.OtelDump);
        w.WriteString(row.WbUserId);
        w.WriteString(row.WbRunId);
        w.WriteString(row.ThreadId);
        w.WriteString(row.TurnId);
        w.WriteString(row.InputsDump);
        WriteRefs(w, row.InputRefs);
        w.WriteString(row.OutputDump);
        w.WriteString(row.SummaryDump);
        WriteRefs(w, row.OutputRefs);
        w.WriteString(row.AttributesDump);
        w.WriteUInt64(row.WbRunStep);
        w.WriteUInt64(row.WbRunStepEnd);
        w.WriteDateTimeSeconds(ExpireAtSeconds);
        w.WriteEnum8(source);
    }

    /// <summary>Reads <c>id</c> and <c>project_id</c> (the first two columns) back from an encoded row.</summary>
    public static (ReadOnlyMemory<byte> Id, ReadOnlyMemory<byte> ProjectId) ReadKey(ReadOnlyMemory<byte> encodedRow)
    {
        var id = ReadString(encodedRow, out var rest);
        var project = ReadString(rest, out _);
        return (id, project);
    }

    private static void WriteRefs(RowBinaryWriter w, CallRefs refs)
    {
        w.WriteArrayLength(refs.Count);
        for (var i = 0; i < refs.Count; i++)
        {
            w.WriteString(refs[i]);
        }
    }

    private static ReadOnlyMemory<byte> ReadString(ReadOnlyMemory<byte> data, out ReadOnlyMemory<byte> rest)
    {
        var span = data.Span;
        ulong length = 0;
        var shift = 0;
        var i = 0;
        byte b;
        do
        {
            b = span[i++];
            length |= (ulong)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        var value = data.Slice(i, checked((int)length));
        rest = data[(i + (int)length)..];
        return value;
    }
}
