using System.Buffers;
using System.Globalization;
using System.Text;
using CallJoin.Core.Bytes;

namespace CallJoin.Replay.Jsonl;

/// <summary>
/// Appends JSON to a pooled buffer with values formatted byte for byte as ClickHouse's <c>FORMAT JSONEachRow</c> prints
/// them under default settings (ClickHouse 26.x), so a line can be compared with ClickHouse's own output.
/// </summary>
/// <remarks>
/// <para>
/// Strings as ClickHouse's <c>writeJSONString</c>: <c>\" \\ \b \f \n \r \t</c> as short escapes, <c>/</c> as
/// <c>\/</c> (<c>output_format_json_escape_forward_slashes = 1</c>), other bytes below 0x20 as <c>\u00XX</c> in
/// uppercase hex, U+2028 and U+2029 as <c>\u2028</c> / <c>\u2029</c>, everything else (DEL, any other non-ASCII) as
/// its raw UTF-8 bytes. Bytes that are not valid UTF-8 cannot be kept (a line must be valid JSON): each run of them
/// becomes one U+FFFD, exactly as ClickHouse prints them with <c>output_format_json_validate_utf8 = 1</c>; by default
/// ClickHouse would copy them raw.
/// </para>
/// <para>
/// DateTime64 as <c>"YYYY-MM-DD hh:mm:ss.fff[fff]"</c> in UTC; like ClickHouse, the whole seconds are clamped to
/// years 0000-9999 while the fraction is kept. Integers unquoted (<c>output_format_json_quote_64bit_integers = 0</c>).
/// </para>
/// <para>Not thread-safe. Steady state allocates nothing: the buffer is kept and only grows.</para>
/// </remarks>
/// <param name="capacity">The initial buffer size in bytes.</param>
internal sealed class JsonEachRowWriter(int capacity)
{
    /// <summary>0000-01-01 00:00:00 UTC: the earliest second ClickHouse prints.</summary>
    private const long MinSeconds = -62_167_219_200;

    /// <summary>9999-12-31 23:59:59 UTC: the latest second ClickHouse prints.</summary>
    private const long MaxSeconds = 253_402_300_799;

    /// <summary>The longest escape of one byte or character: <c>\u00XX</c> or <c>\u2028</c>.</summary>
    private const int MaxEscapeBytes = 6;

    /// <summary>Bytes copied as they are: printable ASCII and DEL, except <c>"</c>, <c>\</c> and <c>/</c>.</summary>
    private static readonly SearchValues<byte> s_plain = SearchValues.Create(PlainBytes());

    private readonly ByteBuffer _buffer = new(capacity);
    private readonly ByteBuffer _transcoded = new(256);

    /// <summary>The bytes written since the last <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.Written;

    /// <summary>How many bytes are written.</summary>
    public int Length => _buffer.Length;

    /// <summary>Forgets what was written (the buffer is kept).</summary>
    public void Clear() => _buffer.Clear();

    /// <summary>Appends bytes as they are (keys, punctuation, constant values).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => _buffer.Append(bytes);

    /// <summary>Appends a String value: quoted and escaped as ClickHouse does (see remarks).</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        _buffer.Append((byte)'"');
        // True right after a U+FFFD: ClickHouse's UTF-8 validation replaces a whole run of bad bytes with one.
        var replacing = false;
        while (!utf8.IsEmpty)
        {
            var plain = utf8.IndexOfAnyExcept(s_plain);
            if (plain != 0)
            {
                var run = plain < 0 ? utf8 : utf8[..plain];
                WriteRaw(run);
                utf8 = utf8[run.Length..];
                replacing = false;
                continue;
            }

            var b = utf8[0];
            if (b < 0x80)
            {
                WriteAsciiEscape(b);
                utf8 = utf8[1..];
                replacing = false;
                continue;
            }

            var status = Rune.DecodeFromUtf8(utf8, out var rune, out var consumed);
            if (status == OperationStatus.Done)
            {
                if (rune.Value == 0x2028)
                {
                    WriteRaw("\\u2028"u8);
                }
                else if (rune.Value == 0x2029)
                {
                    WriteRaw("\\u2029"u8);
                }
                else
                {
                    WriteRaw(utf8[..consumed]);
                }

                replacing = false;
            }
            else if (!replacing)
            {
                WriteRaw("\uFFFD"u8);
                replacing = true;
            }

            utf8 = utf8[consumed..];
        }

        _buffer.Append((byte)'"');
    }

    /// <summary>Appends a String value given as UTF-16 (encoded as UTF-8 first, lone surrogates as U+FFFD).</summary>
    public void WriteString(ReadOnlySpan<char> text)
    {
        _transcoded.Clear();
        _transcoded.Advance(Encoding.UTF8.GetBytes(text, _transcoded.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
        WriteString(_transcoded.Written);
    }

    /// <summary>Appends a UInt64 value, unquoted.</summary>
    public void WriteUInt64(ulong value)
    {
        value.TryFormat(_buffer.GetSpan(20), out var written, default, CultureInfo.InvariantCulture);
        _buffer.Advance(written);
    }

    /// <summary>Appends an Int64 (or Int32) value, unquoted.</summary>
    public void WriteInt64(long value)
    {
        value.TryFormat(_buffer.GetSpan(20), out var written, default, CultureInfo.InvariantCulture);
        _buffer.Advance(written);
    }

    /// <summary>Appends a DateTime64(3) value from milliseconds since the Unix epoch.</summary>
    public void WriteDateTime64Millis(long millis) => WriteDateTime(millis, 1_000, 3);

    /// <summary>Appends a DateTime64(6) value from microseconds since the Unix epoch.</summary>
    public void WriteDateTime64Micros(long micros) => WriteDateTime(micros, 1_000_000, 6);

    /// <summary>Appends a DateTime value from whole seconds since the Unix epoch.</summary>
    public void WriteDateTimeSeconds(long seconds) => WriteDateTime(seconds, 1, 0);

    private void WriteDateTime(long value, long unitsPerSecond, int fractionDigits)
    {
        var seconds = Math.DivRem(value, unitsPerSecond, out var fraction);
        if (fraction < 0)
        {
            fraction += unitsPerSecond;
            seconds--;
        }

        seconds = Math.Clamp(seconds, MinSeconds, MaxSeconds);
        var days = Math.DivRem(seconds, 86_400, out var secondOfDay);
        if (secondOfDay < 0)
        {
            secondOfDay += 86_400;
            days--;
        }

        var (year, month, day) = CivilFromDays(days);
        var span = _buffer.GetSpan(22 + fractionDigits);
        span[0] = (byte)'"';
        Digits(span.Slice(1, 4), year);
        span[5] = (byte)'-';
        Digits(span.Slice(6, 2), month);
        span[8] = (byte)'-';
        Digits(span.Slice(9, 2), day);
        span[11] = (byte)' ';
        Digits(span.Slice(12, 2), secondOfDay / 3600);
        span[14] = (byte)':';
        Digits(span.Slice(15, 2), secondOfDay / 60 % 60);
        span[17] = (byte)':';
        Digits(span.Slice(18, 2), secondOfDay % 60);
        var end = 20;
        if (fractionDigits > 0)
        {
            span[end] = (byte)'.';
            Digits(span.Slice(end + 1, fractionDigits), fraction);
            end += 1 + fractionDigits;
        }

        span[end] = (byte)'"';
        _buffer.Advance(end + 1);
    }

    /// <summary>Year, month and day of a day count from 1970-01-01, proleptic Gregorian (H. Hinnant's algorithm).</summary>
    private static (long Year, long Month, long Day) CivilFromDays(long days)
    {
        var z = days + 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var dayOfEra = z - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1_460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var shiftedMonth = ((5 * dayOfYear) + 2) / 153;
        var day = dayOfYear - (((153 * shiftedMonth) + 2) / 5) + 1;
        var month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
        var year = yearOfEra + (era * 400) + (month <= 2 ? 1 : 0);
        return (year, month, day);
    }

    /// <summary>Writes <paramref name="value"/> (non-negative) zero-padded to exactly the span's length.</summary>
    private static void Digits(Span<byte> span, long value)
    {
        for (var i = span.Length - 1; i >= 0; i--)
        {
            span[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private void WriteAsciiEscape(byte b) => _buffer.Advance(JsonEscapes.WriteAsciiEscape(b, _buffer.GetSpan(MaxEscapeBytes)));

    private static byte[] PlainBytes()
    {
        var plain = new List<byte>();
        for (var b = 0x20; b <= 0x7F; b++)
        {
            if (b is not ('"' or '\\' or '/'))
            {
                plain.Add((byte)b);
            }
        }

        return [.. plain];
    }
}
