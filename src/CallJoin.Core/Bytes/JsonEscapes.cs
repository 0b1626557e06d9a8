using System.Buffers;

namespace CallJoin.Core.Bytes;

/// <summary>
/// JSON string escapes as the JSON grammar defines them: reading escaped string content back to UTF-8, and the escapes
/// of ASCII bytes that every JSON writer here shares.
/// </summary>
/// <remarks>
/// Writers differ only in what they escape beyond <see cref="MustEscape"/> and how they spell other code units (Python's
/// <c>json.dumps</c>: every non-ASCII code unit as <c>\uxxxx</c> in lowercase hex; kcat's yajl: nothing more; ClickHouse:
/// <c>/</c>, U+2028 and U+2029), so each writer keeps that difference and takes the shared part from here.
/// </remarks>
public static class JsonEscapes
{
    /// <summary>The bytes a JSON string cannot hold as they are: the quote, the backslash and control characters (below 0x20).</summary>
    public static readonly SearchValues<byte> MustEscape = SearchValues.Create(MustEscapeBytes());

    private static ReadOnlySpan<byte> UpperHex => "0123456789ABCDEF"u8;

    /// <summary>The letter of the short escape of <paramref name="b"/> (<c>\" \\ \/ \b \f \n \r \t</c>), or 0 if it has none.</summary>
    public static byte ShortEscapeLetter(byte b) => b switch
    {
        (byte)'"' => (byte)'"',
        (byte)'\\' => (byte)'\\',
        (byte)'/' => (byte)'/',
        (byte)'\b' => (byte)'b',
        (byte)'\f' => (byte)'f',
        (byte)'\n' => (byte)'n',
        (byte)'\r' => (byte)'r',
        (byte)'\t' => (byte)'t',
        _ => 0,
    };

    /// <summary>
    /// Writes the escape of an ASCII byte, its short escape if it has one and otherwise <c>\u00XX</c> in uppercase hex (as
    /// kcat's yajl and ClickHouse write control characters), and returns its length: 2 or 6.
    /// </summary>
    /// <remarks><paramref name="destination"/> must have room for 6 bytes.</remarks>
    public static int WriteAsciiEscape(byte b, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        var letter = ShortEscapeLetter(b);
        if (letter != 0)
        {
            destination[1] = letter;
            return 2;
        }

        destination[1] = (byte)'u';
        destination[2] = (byte)'0';
        destination[3] = (byte)'0';
        destination[4] = UpperHex[(b >> 4) & 0xF];
        destination[5] = UpperHex[b & 0xF];
        return 6;
    }

    /// <summary>
    /// Reads the escape sequence at the start of <paramref name="source"/> (a backslash and what follows): the UTF-16 code
    /// unit it stands for and its length in bytes. False if <paramref name="source"/> does not start with a valid escape.
    /// </summary>
    public static bool TryReadEscape(ReadOnlySpan<byte> source, out char unit, out int length)
    {
        unit = '\0';
        length = 0;
        if (source.Length < 2 || source[0] != (byte)'\\')
        {
            return false;
        }

        var letter = source[1];
        if (letter != (byte)'u')
        {
            var b = letter switch
            {
                (byte)'"' or (byte)'\\' or (byte)'/' => letter,
                (byte)'b' => (byte)'\b',
                (byte)'f' => (byte)'\f',
                (byte)'n' => (byte)'\n',
                (byte)'r' => (byte)'\r',
                (byte)'t' => (byte)'\t',
                _ => (byte)0,
            };
            unit = (char)b;
            length = 2;
            return b != 0;
        }

        if (source.Length < 6)
        {
            return false;
        }

        var value = 0;
        for (var i = 2; i < 6; i++)
        {
            var digit = HexDigit.Value(source[i]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        unit = (char)value;
        length = 6;
        return true;
    }

    /// <summary>
    /// Unescapes JSON string content into UTF-8, up to the first unescaped quote or the end of <paramref name="source"/>,
    /// whichever comes first.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Bytes that need no unescaping are copied as they are (invalid UTF-8 included). A <c>\uXXXX</c> surrogate pair becomes
    /// one four-byte character; a lone surrogate becomes U+FFFD when <paramref name="replaceLoneSurrogates"/>, else its
    /// three-byte form (WTF-8, as a Python string may hold one). The result is never longer than what it was read from.
    /// </para>
    /// <para>
    /// Returns <see cref="OperationStatus.Done"/> at the quote (<paramref name="consumed"/> is its index) or the end;
    /// <see cref="OperationStatus.InvalidData"/> at a bad escape or a raw control character; and
    /// <see cref="OperationStatus.DestinationTooSmall"/> when <paramref name="destination"/> is full, to be called again
    /// with the rest and more room. Allocation-free; the plain runs are found with a vectorised search.
    /// </para>
    /// </remarks>
    public static OperationStatus Unescape(
        ReadOnlySpan<byte> source, Span<byte> destination, bool replaceLoneSurrogates, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        while (true)
        {
            var rest = source[consumed..];
            var stop = rest.IndexOfAny(MustEscape);
            var plain = stop < 0 ? rest : rest[..stop];
            var room = destination.Length - written;
            if (plain.Length > room)
            {
                plain[..room].CopyTo(destination[written..]);
                consumed += room;
                written += room;
                return OperationStatus.DestinationTooSmall;
            }

            plain.CopyTo(destination[written..]);
            consumed += plain.Length;
            written += plain.Length;
            if (stop < 0 || rest[stop] == (byte)'"')
            {
                return OperationStatus.Done;
            }

            rest = rest[stop..];

            // The escapes a JSON-in-JSON payload is full of (\" and \\) in one step.
            if (rest.Length >= 2 && rest[0] == (byte)'\\' && rest[1] is (byte)'"' or (byte)'\\' or (byte)'/')
            {
                if (written == destination.Length)
                {
                    return OperationStatus.DestinationTooSmall;
                }

                destination[written++] = rest[1];
                consumed += 2;
                continue;
            }

            if (!TryReadEscape(rest, out var unit, out var length))
            {
                return OperationStatus.InvalidData;
            }

            int scalar = unit;
            if (char.IsSurrogate(unit))
            {
                if (char.IsHighSurrogate(unit) && TryReadEscape(rest[length..], out var low, out var lowLength) && char.IsLowSurrogate(low))
                {
                    scalar = char.ConvertToUtf32(unit, low);
                    length += lowLength;
                }
                else if (replaceLoneSurrogates)
                {
                    scalar = 0xFFFD;
                }
            }

            var size = scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4;
            if (size > destination.Length - written)
            {
                return OperationStatus.DestinationTooSmall;
            }

            WriteUtf8(scalar, destination.Slice(written, size));
            consumed += length;
            written += size;
        }
    }

    /// <summary>Encodes a code point into exactly <paramref name="destination"/>'s length; a surrogate gets its WTF-8 form.</summary>
    private static void WriteUtf8(int codePoint, Span<byte> destination)
    {
        switch (destination.Length)
        {
            case 1:
                destination[0] = (byte)codePoint;
                break;
            case 2:
                destination[0] = (byte)(0xC0 | (codePoint >> 6));
                destination[1] = (byte)(0x80 | (codePoint & 0x3F));
                break;
            case 3:
                destination[0] = (byte)(0xE0 | (codePoint >> 12));
                destination[1] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                destination[2] = (byte)(0x80 | (codePoint & 0x3F));
                break;
            default:
                destination[0] = (byte)(0xF0 | (codePoint >> 18));
                destination[1] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                destination[2] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                destination[3] = (byte)(0x80 | (codePoint & 0x3F));
                break;
        }
    }

    private static byte[] MustEscapeBytes()
    {
        var bytes = new List<byte> { (byte)'"', (byte)'\\' };
        for (var b = 0; b < 0x20; b++)
        {
            bytes.Add((byte)b);
        }

        return [.. bytes];
    }
}
