using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CallJoin.ClickHouse.RowBinary;

/// <summary>
/// Appends values in ClickHouse's RowBinary encoding to a buffer: the format the sink sends, with no per-value
/// allocation (strings are encoded straight into the buffer).
/// </summary>
/// <remarks>Not thread-safe; one writer per batch being built.</remarks>
public readonly struct RowBinaryWriter(IBufferWriter<byte> output)
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>String: LEB128 byte length, then UTF-8 bytes.</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        WriteVarUInt((ulong)utf8.Length);
        var span = output.GetSpan(utf8.Length);
        utf8.CopyTo(span);
        output.Advance(utf8.Length);
    }

    /// <summary>String from UTF-16 text, transcoded in place.</summary>
    public void WriteString(ReadOnlySpan<char> text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteVarUInt((ulong)length);
        var span = output.GetSpan(length);
        Encoding.UTF8.GetBytes(text, span);
        output.Advance(length);
    }

    /// <summary>Array(String) header: the element count; follow with that many <see cref="WriteString(ReadOnlySpan{byte})"/>.</summary>
    public void WriteArrayLength(int count) => WriteVarUInt((ulong)count);

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    /// <summary>Enum8 (and Int8): one byte.</summary>
    public void WriteEnum8(sbyte value)
    {
        output.GetSpan(1)[0] = unchecked((byte)value);
        output.Advance(1);
    }

    /// <summary>DateTime64(6): microseconds since the Unix epoch.</summary>
    public void WriteDateTime64Micros(long microsSinceEpoch) => WriteInt64(microsSinceEpoch);

    /// <summary>DateTime64(3): milliseconds since the Unix epoch.</summary>
    public void WriteDateTime64Millis(long millisSinceEpoch) => WriteInt64(millisSinceEpoch);

    /// <summary>DateTime: whole seconds since the Unix epoch.</summary>
    public void WriteDateTimeSeconds(uint secondsSinceEpoch) => WriteUInt32(secondsSinceEpoch);

    /// <summary>Microseconds since the epoch of a UTC <see cref="System.DateTime"/> (sub-microsecond ticks are dropped).</summary>
    public static long ToMicros(DateTime utc) => (utc.Ticks - UnixEpochTicks) / 10;

    /// <summary>LEB128 unsigned varint, as RowBinary uses for lengths.</summary>
    public void WriteVarUInt(ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }
}
