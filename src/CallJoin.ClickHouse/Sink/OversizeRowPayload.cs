using System.Buffers;
using System.Buffers.Text;

namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// The payload of an <c>oversize_row</c> error record: the row's size and limit, and the raw halves the row was built
/// from, so the call can be inspected or replayed from the error table as any other bad input can.
/// </summary>
/// <remarks>
/// <c>{"row_bytes":N,"max_row_bytes":M,"start_bytes":S,"end_bytes":E,"start":{…},"end":{…}}</c>, each half verbatim
/// (it parsed as one JSON object, so the payload is JSON). The record must itself stay under the row limit: a half that
/// does not fit in what is left is written as <c>null</c> (its size stays, and its Kafka position is the record's or,
/// for a complete row's start, the same call's start record), the end first since the record names it. A half the
/// caller did not give is <c>null</c> with size 0. Shared by the sink and the JSONL output, which must agree.
/// </remarks>
public static class OversizeRowPayload
{
    /// <summary>Room for everything but the halves.</summary>
    private const int Overhead = 256;

    /// <summary>Appends the payload to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, long rowBytes, long maxRowBytes, ReadOnlySpan<byte> start, ReadOnlySpan<byte> end)
    {
        ArgumentNullException.ThrowIfNull(output);
        var budget = maxRowBytes - Overhead;
        var keepEnd = !end.IsEmpty && end.Length <= budget;
        budget -= keepEnd ? end.Length : 0;
        var keepStart = !start.IsEmpty && start.Length <= budget;

        Raw(output, "{\"row_bytes\":"u8);
        Number(output, rowBytes);
        Raw(output, ",\"max_row_bytes\":"u8);
        Number(output, maxRowBytes);
        Raw(output, ",\"start_bytes\":"u8);
        Number(output, start.Length);
        Raw(output, ",\"end_bytes\":"u8);
        Number(output, end.Length);
        Raw(output, ",\"start\":"u8);
        Raw(output, keepStart ? start.Trim(" \t\r\n"u8) : "null"u8);
        Raw(output, ",\"end\":"u8);
        Raw(output, keepEnd ? end.Trim(" \t\r\n"u8) : "null"u8);
        Raw(output, "}"u8);
    }

    private static void Raw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void Number(IBufferWriter<byte> output, long value)
    {
        Utf8Formatter.TryFormat(value, output.GetSpan(20), out var written);
        output.Advance(written);
    }
}
