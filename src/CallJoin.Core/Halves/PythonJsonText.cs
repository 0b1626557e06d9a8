using System.Buffers;
using System.Text;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// JSON string content (the bytes between the quotes, escapes intact, as <see cref="System.Text.Json.Utf8JsonReader.ValueSpan"/>
/// gives them) as Python's <c>json</c> module sees it: re-escaped the way <c>json.dumps</c> writes strings, or unescaped
/// into the text a Python string holds.
/// </summary>
/// <remarks>
/// Python's <c>ensure_ascii</c> output keeps only printable ASCII (0x20-0x7E) as is, except <c>"</c> and <c>\</c>; it
/// writes <c>\" \\ \n \r \t \b \f</c> as short escapes and every other code unit as <c>\uXXXX</c> in lowercase hex (DEL
/// too; astral characters as a surrogate pair; a lone surrogate as itself). Unescaping produces UTF-8, with a lone
/// surrogate encoded as its three-byte form (WTF-8), since Python strings may hold one.
/// </remarks>
internal static class PythonJsonText
{
    private static readonly SearchValues<byte> s_plain = SearchValues.Create(PlainAscii());

    private static ReadOnlySpan<byte> LowerHex => "0123456789abcdef"u8;

    /// <summary>Writes the string, quoted and escaped as Python does. False if the text is not valid UTF-8.</summary>
    public static bool TryWritePython(ReadOnlySpan<byte> raw, ByteBuffer output)
    {
        output.Append((byte)'"');
        while (!raw.IsEmpty)
        {
            int plain = raw.IndexOfAnyExcept(s_plain);
            if (plain < 0)
            {
                output.Append(raw);
                break;
            }

            if (plain > 0)
            {
                output.Append(raw[..plain]);
                raw = raw[plain..];
            }

            byte b = raw[0];
            if (b == (byte)'\\')
            {
                // Each escape is one code unit, written again the way Python spells it (\/ as /, a pair as a pair).
                if (!JsonEscapes.TryReadEscape(raw, out char unit, out int length))
                {
                    return false;
                }

                WriteCodeUnit(unit, output);
                raw = raw[length..];
            }
            else if (b < 0x80)
            {
                WriteCodeUnit(b, output);
                raw = raw[1..];
            }
            else
            {
                if (Rune.DecodeFromUtf8(raw, out var rune, out int consumed) != OperationStatus.Done)
                {
                    return false;
                }

                if (rune.IsBmp)
                {
                    WriteCodeUnit(rune.Value, output);
                }
                else
                {
                    int v = rune.Value - 0x10000;
                    WriteCodeUnit(0xD800 + (v >> 10), output);
                    WriteCodeUnit(0xDC00 + (v & 0x3FF), output);
                }

                raw = raw[consumed..];
            }
        }

        output.Append((byte)'"');
        return true;
    }

    /// <summary>Appends the unescaped string as UTF-8 (WTF-8 for lone surrogates). False on a bad escape.</summary>
    public static bool TryUnescape(ReadOnlySpan<byte> raw, ByteBuffer output)
    {
        // Unescaped text is never longer than its escaped form, so this room is enough.
        var status = JsonEscapes.Unescape(raw, output.GetSpan(raw.Length), replaceLoneSurrogates: false, out int consumed, out int written);
        output.Advance(written);
        return status == OperationStatus.Done && consumed == raw.Length;
    }

    /// <summary>The unescaped string as .NET text, lone surrogates kept; for exact key comparison off the hot path.</summary>
    public static string? UnescapeToString(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        Span<char> units = stackalloc char[2];
        while (!raw.IsEmpty)
        {
            if (raw[0] == (byte)'\\')
            {
                if (!JsonEscapes.TryReadEscape(raw, out char unit, out int length))
                {
                    return null;
                }

                text.Append(unit);
                raw = raw[length..];
                continue;
            }

            if (Rune.DecodeFromUtf8(raw, out var rune, out int consumed) != OperationStatus.Done)
            {
                return null;
            }

            text.Append(units[..rune.EncodeToUtf16(units)]);
            raw = raw[consumed..];
        }

        return text.ToString();
    }

    private static void WriteCodeUnit(int unit, ByteBuffer output)
    {
        if (unit is >= 0x20 and <= 0x7E and not '"' and not '\\')
        {
            output.Append((byte)unit);
            return;
        }

        // Below 0x80 only the quote, the backslash and control characters get here: none of them is '/'.
        byte letter = unit < 0x80 ? JsonEscapes.ShortEscapeLetter((byte)unit) : (byte)0;
        if (letter != 0)
        {
            var pair = output.GetSpan(2);
            pair[0] = (byte)'\\';
            pair[1] = letter;
            output.Advance(2);
            return;
        }

        var escape = output.GetSpan(6);
        escape[0] = (byte)'\\';
        escape[1] = (byte)'u';
        escape[2] = LowerHex[(unit >> 12) & 0xF];
        escape[3] = LowerHex[(unit >> 8) & 0xF];
        escape[4] = LowerHex[(unit >> 4) & 0xF];
        escape[5] = LowerHex[unit & 0xF];
        output.Advance(6);
    }

    private static byte[] PlainAscii()
    {
        var bytes = new List<byte>();
        for (int c = 0x20; c <= 0x7E; c++)
        {
            if (c is not '"' and not '\\')
            {
                bytes.Add((byte)c);
            }
        }

        return [.. bytes];
    }
}
