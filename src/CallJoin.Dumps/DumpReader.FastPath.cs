using System.Buffers;
using System.Text;
using CallJoin.Core.Bytes;

namespace CallJoin.Dumps;

/// <summary>
/// The fast path for lines shaped as kcat writes them: one pass that finds each string's end with a vectorized search
/// and unescapes it on the way. Anything it does not expect (nested values, non-integer numbers, escaped keys, a bad
/// field) makes it give up, and the line is parsed again by the <see cref="System.Text.Json.Utf8JsonReader"/> path, which
/// accepts every valid line and explains every invalid one.
/// </summary>
/// <remarks>
/// Utf8JsonReader checks a string byte by byte once it has met a backslash, and payloads that are JSON text escape every
/// quote; this path is several times faster on them. It accepts exactly a subset of what the other path accepts.
/// </remarks>
public sealed partial class DumpReader
{
    private bool TryParseFast(int lineStart, int lineLength)
    {
        var line = _buffer.AsSpan(lineStart, lineLength);
        var i = SkipSpace(line, 0);
        if (i >= line.Length || line[i] != (byte)'{')
        {
            return false;
        }

        var seen = Seen.None;
        i = SkipSpace(line, i + 1);
        while (true)
        {
            // "name": only names without escapes (kcat's never have any).
            if (i >= line.Length || line[i] != (byte)'"')
            {
                return false;
            }

            var nameLength = line[(i + 1)..].IndexOfAny(JsonEscapes.MustEscape);
            if (nameLength < 0 || line[i + 1 + nameLength] != (byte)'"')
            {
                return false;
            }

            var field = FieldOf(line.Slice(i + 1, nameLength));
            i = SkipSpace(line, i + nameLength + 2);
            if (i >= line.Length || line[i] != (byte)':')
            {
                return false;
            }

            i = SkipSpace(line, i + 1);
            if (i >= line.Length || !TryFastValue(field, line, lineStart, ref i, ref seen))
            {
                return false;
            }

            i = SkipSpace(line, i);
            if (i >= line.Length)
            {
                return false;
            }

            if (line[i] == (byte)'}')
            {
                break;
            }

            if (line[i] != (byte)',')
            {
                return false;
            }

            i = SkipSpace(line, i + 1);
        }

        if (SkipSpace(line, i + 1) != line.Length || (seen & (Seen.Topic | Seen.Partition | Seen.Offset)) != (Seen.Topic | Seen.Partition | Seen.Offset))
        {
            return false;
        }

        if ((seen & (Seen.Timestamp | Seen.TimestampType)) == Seen.Timestamp)
        {
            TimestampType = "unknown";
        }

        return true;
    }

    private bool TryFastValue(Field field, ReadOnlySpan<byte> line, int lineStart, ref int i, ref Seen seen)
    {
        var first = line[i];
        if (first == (byte)'"')
        {
            switch (field)
            {
                case Field.Key:
                    return TryFastString(line, lineStart, ref i, ref _keyScratch, out _key);
                case Field.Payload:
                    return TryFastString(line, lineStart, ref i, ref _payloadScratch, out _payload);
                case Field.Topic or Field.TimestampType or Field.Other:
                    if (!TryFastString(line, lineStart, ref i, ref _stringScratch, out var text) || (field == Field.Topic && text.Span.IsEmpty))
                    {
                        return false;
                    }

                    if (field == Field.Topic)
                    {
                        Topic = _names.Get(text.Span);
                        seen |= Seen.Topic;
                    }
                    else if (field == Field.TimestampType)
                    {
                        TimestampType = _names.Get(text.Span);
                        seen |= Seen.TimestampType;
                    }

                    return true;
                default:
                    return false;
            }
        }

        if (first == (byte)'n')
        {
            if (!line[i..].StartsWith("null"u8) || field is not (Field.Key or Field.Payload or Field.Headers or Field.Other))
            {
                return false;
            }

            i += 4;
            if (field == Field.Key)
            {
                _key = default;
            }
            else if (field == Field.Payload)
            {
                _payload = default;
            }
            else if (field == Field.Headers)
            {
                _headers.Clear();
            }

            return true;
        }

        if (first == (byte)'[')
        {
            return field == Field.Headers && TryFastHeaders(line, lineStart, ref i);
        }

        if (first == (byte)'-' || (uint)(first - '0') <= 9)
        {
            if (!TryFastInteger(line, ref i, out var number))
            {
                return false;
            }

            switch (field)
            {
                case Field.Partition when number is >= 0 and <= int.MaxValue:
                    Partition = (int)number;
                    seen |= Seen.Partition;
                    return true;
                case Field.Offset when number >= 0:
                    Offset = number;
                    seen |= Seen.Offset;
                    return true;
                case Field.Timestamp:
                    TimestampMillis = number;
                    seen |= Seen.Timestamp;
                    return true;
                case Field.Broker when number is >= int.MinValue and <= int.MaxValue:
                    Broker = (int)number;
                    return true;
                case Field.Other:
                    return true;
                default:
                    return false;
            }
        }

        if (field == Field.Other && (line[i..].StartsWith("true"u8) || line[i..].StartsWith("false"u8)))
        {
            i += first == (byte)'t' ? 4 : 5;
            return true;
        }

        return false;
    }

    /// <summary>kcat's flat header array: strings and nulls, a name then a value.</summary>
    private bool TryFastHeaders(ReadOnlySpan<byte> line, int lineStart, ref int i)
    {
        _headers.Clear();
        i = SkipSpace(line, i + 1);
        if (i < line.Length && line[i] == (byte)']')
        {
            i++;
            return true;
        }

        while (true)
        {
            if (i >= line.Length || line[i] != (byte)'"' || !TryFastString(line, lineStart, ref i, ref _stringScratch, out var name))
            {
                return false;
            }

            var headerName = _names.Get(name.Span);
            i = SkipSpace(line, i);
            if (i >= line.Length || line[i] != (byte)',')
            {
                return false;
            }

            i = SkipSpace(line, i + 1);
            string? value = null;
            if (i < line.Length && line[i] == (byte)'"')
            {
                if (!TryFastString(line, lineStart, ref i, ref _stringScratch, out var text))
                {
                    return false;
                }

                value = Encoding.UTF8.GetString(text.Span);
            }
            else if (line[i..].StartsWith("null"u8))
            {
                i += 4;
            }
            else
            {
                return false;
            }

            _headers.Add(new(headerName, value));
            i = SkipSpace(line, i);
            if (i >= line.Length)
            {
                return false;
            }

            if (line[i] == (byte)']')
            {
                i++;
                return true;
            }

            if (line[i] != (byte)',')
            {
                return false;
            }

            i = SkipSpace(line, i + 1);
        }
    }

    /// <summary>
    /// A string starting at the quote at <paramref name="i"/>: in place when it has no escapes, else unescaped into
    /// <paramref name="scratch"/>. Leaves <paramref name="i"/> after the closing quote.
    /// </summary>
    private bool TryFastString(ReadOnlySpan<byte> line, int lineStart, ref int i, ref byte[] scratch, out ValueBytes value)
    {
        value = default;
        var start = i + 1;
        var rest = line[start..];
        var stop = rest.IndexOfAny(JsonEscapes.MustEscape);
        if (stop < 0)
        {
            return false;
        }

        if (rest[stop] == (byte)'"')
        {
            value = new(_buffer, lineStart + start, stop);
            i = start + stop + 1;
            return true;
        }

        // Escapes: the plain start as it is, then the rest unescaped up to the closing quote, growing scratch when full.
        if (scratch.Length < stop)
        {
            Array.Resize(ref scratch, Math.Max(scratch.Length * 2, stop));
        }

        rest[..stop].CopyTo(scratch);
        var at = stop;
        var written = stop;
        while (true)
        {
            var status = JsonEscapes.Unescape(rest[at..], scratch.AsSpan(written), replaceLoneSurrogates: true, out var read, out var produced);
            at += read;
            written += produced;
            if (status == OperationStatus.Done && at < rest.Length)
            {
                value = new(scratch, 0, written);
                i = start + at + 1;
                return true;
            }

            if (status != OperationStatus.DestinationTooSmall)
            {
                return false;   // a bad escape, a raw control character, or no closing quote
            }

            Array.Resize(ref scratch, Math.Max(scratch.Length * 2, 64));
        }
    }

    /// <summary>A JSON integer (no fraction or exponent, no leading zeros) that fits a long.</summary>
    private static bool TryFastInteger(ReadOnlySpan<byte> line, ref int i, out long value)
    {
        value = 0;
        var negative = line[i] == (byte)'-';
        var at = negative ? i + 1 : i;
        var digitsStart = at;
        ulong magnitude = 0;
        while (at < line.Length && (uint)(line[at] - '0') <= 9)
        {
            if (at - digitsStart == 19)
            {
                return false;
            }

            magnitude = (magnitude * 10) + (uint)(line[at] - '0');
            at++;
        }

        var digits = at - digitsStart;
        if (digits == 0 || (digits > 1 && line[digitsStart] == (byte)'0')
            || (at < line.Length && line[at] is (byte)'.' or (byte)'e' or (byte)'E'))
        {
            return false;
        }

        if (negative ? magnitude > (ulong)long.MaxValue + 1 : magnitude > long.MaxValue)
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        i = at;
        return true;
    }

    private static int SkipSpace(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && line[i] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            i++;
        }

        return i;
    }
}
