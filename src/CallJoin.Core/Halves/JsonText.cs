using System.Buffers;
using System.Text;

namespace CallJoin.Core.Halves;

/// <summary>
/// JSON string content (the bytes between the quotes, escapes intact, as <see cref="System.Text.Json.Utf8JsonReader.ValueSpan"/>
/// gives them): re-escaped the way Python's <c>json.dumps</c> writes strings, or unescaped.
/// </summary>
/// <remarks>
/// Python's <c>ensure_ascii</c> output keeps only printable ASCII (0x20-0x7E) as is, except <c>"</c> and <c>\</c>; it
/// writes <c>\" \\ \n \r \t \b \f</c> as short escapes and every other code unit as <c>\uXXXX</c> in lowercase hex (DEL
/// too; astral characters as a surrogate pair; a lone surrogate as itself). Unescaping produces UTF-8, with a lone
/// surrogate encoded as its three-byte form (WTF-8), since Python strings may hold one.
/// </remarks>
internal static class JsonText
{
    private static readonly SearchValues<byte> s_plain = SearchValues.Create(PlainAscii());

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

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
                if (raw.Length < 2)
                {
                    return false;
                }

                byte e = raw[1];
                if (e == (byte)'u')
                {
                    if (raw.Length < 6 || !TryHex4(raw.Slice(2, 4), out int unit))
                    {
                        return false;
                    }

                    WriteCodeUnit(unit, output);
                    raw = raw[6..];
                    continue;
                }

                switch (e)
                {
                    case (byte)'"':
                    case (byte)'\\':
                    case (byte)'b':
                    case (byte)'f':
                    case (byte)'n':
                    case (byte)'r':
                    case (byte)'t':
                        var pair = output.GetSpan(2);
                        pair[0] = (byte)'\\';
                        pair[1] = e;
                        output.Advance(2);
                        break;
                    case (byte)'/':
                        output.Append((byte)'/');
                        break;
                    default:
                        return false;
                }

                raw = raw[2..];
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
        while (!raw.IsEmpty)
        {
            int slash = raw.IndexOf((byte)'\\');
            if (slash < 0)
            {
                output.Append(raw);
                return true;
            }

            output.Append(raw[..slash]);
            raw = raw[slash..];
            if (raw.Length < 2)
            {
                return false;
            }

            byte e = raw[1];
            if (e != (byte)'u')
            {
                byte c = e switch
                {
                    (byte)'"' => (byte)'"',
                    (byte)'\\' => (byte)'\\',
                    (byte)'/' => (byte)'/',
                    (byte)'b' => 0x08,
                    (byte)'f' => 0x0C,
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => 0,
                };
                if (c == 0)
                {
                    return false;
                }

                output.Append(c);
                raw = raw[2..];
                continue;
            }

            if (raw.Length < 6 || !TryHex4(raw.Slice(2, 4), out int unit))
            {
                return false;
            }

            raw = raw[6..];
            int codePoint = unit;
            if (unit is >= 0xD800 and < 0xDC00 && raw.Length >= 6 && raw[0] == (byte)'\\' && raw[1] == (byte)'u'
                && TryHex4(raw.Slice(2, 4), out int low) && low is >= 0xDC00 and < 0xE000)
            {
                codePoint = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                raw = raw[6..];
            }

            AppendUtf8(codePoint, output);
        }

        return true;
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
                if (raw.Length < 2)
                {
                    return null;
                }

                if (raw[1] == (byte)'u')
                {
                    if (raw.Length < 6 || !TryHex4(raw.Slice(2, 4), out int unit))
                    {
                        return null;
                    }

                    text.Append((char)unit);
                    raw = raw[6..];
                    continue;
                }

                char c = raw[1] switch
                {
                    (byte)'"' => '"',
                    (byte)'\\' => '\\',
                    (byte)'/' => '/',
                    (byte)'b' => '\b',
                    (byte)'f' => '\f',
                    (byte)'n' => '\n',
                    (byte)'r' => '\r',
                    (byte)'t' => '\t',
                    _ => '\0',
                };
                if (c == '\0')
                {
                    return null;
                }

                text.Append(c);
                raw = raw[2..];
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

        byte shortEscape = unit switch
        {
            '"' => (byte)'"',
            '\\' => (byte)'\\',
            '\n' => (byte)'n',
            '\r' => (byte)'r',
            '\t' => (byte)'t',
            '\b' => (byte)'b',
            '\f' => (byte)'f',
            _ => 0,
        };
        if (shortEscape != 0)
        {
            var pair = output.GetSpan(2);
            pair[0] = (byte)'\\';
            pair[1] = shortEscape;
            output.Advance(2);
            return;
        }

        var escape = output.GetSpan(6);
        escape[0] = (byte)'\\';
        escape[1] = (byte)'u';
        escape[2] = Hex[(unit >> 12) & 0xF];
        escape[3] = Hex[(unit >> 8) & 0xF];
        escape[4] = Hex[(unit >> 4) & 0xF];
        escape[5] = Hex[unit & 0xF];
        output.Advance(6);
    }

    private static void AppendUtf8(int codePoint, ByteBuffer output)
    {
        if (codePoint < 0x80)
        {
            output.Append((byte)codePoint);
        }
        else if (codePoint < 0x800)
        {
            var s = output.GetSpan(2);
            s[0] = (byte)(0xC0 | (codePoint >> 6));
            s[1] = (byte)(0x80 | (codePoint & 0x3F));
            output.Advance(2);
        }
        else if (codePoint < 0x10000)
        {
            var s = output.GetSpan(3);
            s[0] = (byte)(0xE0 | (codePoint >> 12));
            s[1] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
            s[2] = (byte)(0x80 | (codePoint & 0x3F));
            output.Advance(3);
        }
        else
        {
            var s = output.GetSpan(4);
            s[0] = (byte)(0xF0 | (codePoint >> 18));
            s[1] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
            s[2] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
            s[3] = (byte)(0x80 | (codePoint & 0x3F));
            output.Advance(4);
        }
    }

    private static bool TryHex4(ReadOnlySpan<byte> hex, out int value)
    {
        value = 0;
        for (int i = 0; i < 4; i++)
        {
            int digit = HexValue(hex[i]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

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
