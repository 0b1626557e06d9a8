using System.Buffers;
using System.Text;

namespace CallJoin.Dumps;

/// <summary>JSON string escaping exactly as kcat's generator (yajl) writes it, and unescaping of any JSON string.</summary>
/// <remarks>
/// yajl's <c>yajl_string_encode</c> (with kcat's default options: no UTF-8 validation, no solidus escaping) writes
/// <c>\r \n \\ \" \f \b \t</c> as short escapes, every other byte below 0x20 as <c>\u00XX</c> in uppercase hex, and
/// every other byte as is: <c>/</c>, DEL, non-ASCII and even invalid UTF-8 pass through unchanged.
/// </remarks>
internal static class KcatJson
{
    /// <summary>The bytes yajl escapes: control characters, the quote and the backslash.</summary>
    public static readonly SearchValues<byte> Escaped = SearchValues.Create(EscapedBytes());

    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    /// <summary>Writes the escape sequence for <paramref name="b"/> (one of <see cref="Escaped"/>) and returns its length (2 or 6).</summary>
    public static int WriteEscape(byte b, Span<byte> destination)
    {
        byte shortForm = b switch
        {
            (byte)'\r' => (byte)'r',
            (byte)'\n' => (byte)'n',
            (byte)'\\' => (byte)'\\',
            (byte)'"' => (byte)'"',
            (byte)'\f' => (byte)'f',
            (byte)'\b' => (byte)'b',
            (byte)'\t' => (byte)'t',
            _ => 0,
        };
        destination[0] = (byte)'\\';
        if (shortForm != 0)
        {
            destination[1] = shortForm;
            return 2;
        }

        destination[1] = (byte)'u';
        destination[2] = (byte)'0';
        destination[3] = (byte)'0';
        destination[4] = Hex[b >> 4];
        destination[5] = Hex[b & 0xF];
        return 6;
    }

    /// <summary>
    /// Unescapes JSON string content already checked by <see cref="System.Text.Json.Utf8JsonReader"/> into
    /// <paramref name="destination"/> (at least as long as <paramref name="escaped"/>: the result is never longer).
    /// </summary>
    /// <remarks>
    /// Unescaped bytes are copied as they are, invalid UTF-8 included. <c>\uXXXX</c> becomes UTF-8; a surrogate pair
    /// becomes one four-byte character and a lone surrogate becomes U+FFFD.
    /// </remarks>
    public static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        var written = 0;
        while (true)
        {
            var slash = escaped.IndexOf((byte)'\\');
            if (slash < 0 || slash + 1 >= escaped.Length)
            {
                escaped.CopyTo(destination[written..]);
                return written + escaped.Length;
            }

            escaped[..slash].CopyTo(destination[written..]);
            written += slash;
            var kind = escaped[slash + 1];
            if (kind != (byte)'u')
            {
                destination[written++] = kind switch
                {
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    _ => kind,   // \" \\ \/
                };
                escaped = escaped[(slash + 2)..];
                continue;
            }

            var unit = Hex4(escaped.Slice(slash + 2, 4));
            var consumed = 6;
            int scalar = unit;
            if (char.IsHighSurrogate((char)unit))
            {
                var rest = escaped[(slash + 6)..];
                if (rest.Length >= 6 && rest[0] == (byte)'\\' && rest[1] == (byte)'u'
                    && Hex4(rest.Slice(2, 4)) is var low && char.IsLowSurrogate((char)low))
                {
                    scalar = char.ConvertToUtf32((char)unit, (char)low);
                    consumed = 12;
                }
                else
                {
                    scalar = 0xFFFD;
                }
            }
            else if (char.IsLowSurrogate((char)unit))
            {
                scalar = 0xFFFD;
            }

            written += new Rune(scalar).EncodeToUtf8(destination[written..]);
            escaped = escaped[(slash + consumed)..];
        }
    }

    private static int Hex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var c in hex)
        {
            value = (value << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }

        return value;
    }

    private static byte[] EscapedBytes()
    {
        var bytes = new List<byte> { (byte)'"', (byte)'\\' };
        for (var b = 0; b < 0x20; b++)
        {
            bytes.Add((byte)b);
        }

        return [.. bytes];
    }
}
