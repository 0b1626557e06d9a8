using System.Buffers;
using System.Text;
using System.Text.Unicode;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// Which strings upstream stores as refs (<c>extract_refs_from_values</c> in weave/shared/trace_server_interface_util.py):
/// those starting with <c>weave-trace-internal:///</c> or <c>wandb-artifact:///</c> that parse as an internal ref
/// whose canonical URI is the string itself (refs_internal.py's <c>parse_internal_uri(s).uri() == s</c>).
/// </summary>
/// <remarks>
/// Ported rules. weave-trace-internal:///project/kind/...: <c>table/digest</c> and <c>call/id</c> with nothing after;
/// <c>object|op/name:version</c> with exactly one colon, optionally followed by extra segments that are the canonical
/// percent-encoding of their text (only <c>A-Za-z0-9_.-~</c> and uppercase <c>%XX</c> of other bytes, valid UTF-8),
/// in edge-name/value pairs with names key, index, attr, id and an <c>int()</c>-parsable value after index.
/// wandb-artifact:///entity/project/id with nothing after. The user-facing <c>weave:///</c> scheme is not collected:
/// the trace server converts those to internal refs before it writes (and publishes) a call.
/// One simplification: the whitespace Python's <c>int()</c> strips is taken as .NET's (plus U+001C-U+001F).
/// </remarks>
internal static class RefSyntax
{
    private static readonly SearchValues<byte> s_unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"u8);

    public static ReadOnlySpan<byte> InternalScheme => "weave-trace-internal:///"u8;

    public static ReadOnlySpan<byte> ArtifactScheme => "wandb-artifact:///"u8;

    /// <summary>Whether a string starting with <paramref name="prefix"/> could be a ref (cheap pre-check on raw text).</summary>
    public static bool MayStartRef(ReadOnlySpan<byte> prefix) =>
        prefix.Length > 0 && (prefix[0] == (byte)'w' || prefix[0] == (byte)'\\');

    /// <summary>Whether the unescaped string is a ref upstream would store.</summary>
    public static bool IsRef(ReadOnlySpan<byte> value)
    {
        if (value.StartsWith(InternalScheme))
        {
            return IsInternalRef(value[InternalScheme.Length..]);
        }

        if (value.StartsWith(ArtifactScheme))
        {
            // entity/project/id, exactly.
            return value[ArtifactScheme.Length..].Count((byte)'/') == 2;
        }

        return false;
    }

    private static bool IsInternalRef(ReadOnlySpan<byte> path)
    {
        int slash = path.IndexOf((byte)'/');
        if (slash < 0)
        {
            return false;
        }

        var rest = path[(slash + 1)..];
        slash = rest.IndexOf((byte)'/');
        if (slash < 0)
        {
            return false;
        }

        var kind = rest[..slash];
        rest = rest[(slash + 1)..];
        if (kind.SequenceEqual("table"u8) || kind.SequenceEqual("call"u8))
        {
            return !rest.Contains((byte)'/');
        }

        if (!kind.SequenceEqual("object"u8) && !kind.SequenceEqual("op"u8))
        {
            return false;
        }

        slash = rest.IndexOf((byte)'/');
        var nameVersion = slash < 0 ? rest : rest[..slash];
        if (nameVersion.Count((byte)':') != 1)
        {
            return false;
        }

        return slash < 0 || IsCanonicalExtra(rest[(slash + 1)..]);
    }

    /// <summary>The extra path: name/value pairs, each segment as <c>urllib.parse.quote(s, safe="")</c> writes it.</summary>
    private static bool IsCanonicalExtra(ReadOnlySpan<byte> extra)
    {
        Span<byte> decoded = extra.Length <= 256 ? stackalloc byte[256] : new byte[extra.Length];
        int index = 0;
        bool indexEdge = false;
        while (true)
        {
            int slash = extra.IndexOf((byte)'/');
            var segment = slash < 0 ? extra : extra[..slash];
            if (!TryCanonicalDecode(segment, decoded, out int length))
            {
                return false;
            }

            var text = decoded[..length];
            if (index % 2 == 0)
            {
                indexEdge = text.SequenceEqual("index"u8);
                if (!indexEdge && !text.SequenceEqual("key"u8) && !text.SequenceEqual("attr"u8) && !text.SequenceEqual("id"u8))
                {
                    return false;
                }
            }
            else if (indexEdge && !IsPythonInt(text))
            {
                return false;
            }

            index++;
            if (slash < 0)
            {
                return index % 2 == 0;
            }

            extra = extra[(slash + 1)..];
        }
    }

    private static bool TryCanonicalDecode(ReadOnlySpan<byte> segment, Span<byte> decoded, out int length)
    {
        length = 0;
        for (int i = 0; i < segment.Length; i++)
        {
            byte c = segment[i];
            if (s_unreserved.Contains(c))
            {
                decoded[length++] = c;
                continue;
            }

            if (c != (byte)'%' || i + 2 >= segment.Length)
            {
                return false;
            }

            int high = UpperHex(segment[i + 1]);
            int low = UpperHex(segment[i + 2]);
            if (high < 0 || low < 0)
            {
                return false;
            }

            byte b = (byte)((high << 4) | low);
            if (s_unreserved.Contains(b))
            {
                return false;
            }

            decoded[length++] = b;
            i += 2;
        }

        return Utf8.IsValid(decoded[..length]);
    }

    /// <summary>A hex digit of a percent escape: Python's quoting writes uppercase only, so lowercase is not one.</summary>
    private static int UpperHex(byte c) => c is >= (byte)'a' and <= (byte)'f' ? -1 : HexDigit.Value(c);

    /// <summary>Python's <c>int(text)</c> in base 10 would succeed: spaces around, a sign, digits with single underscores between.</summary>
    private static bool IsPythonInt(ReadOnlySpan<byte> text)
    {
        int start = 0;
        int end = text.Length;
        while (start < end && IsSpace(text[start..], out int n))
        {
            start += n;
        }

        while (end > start && IsSpaceBefore(text[..end], out int n))
        {
            end -= n;
        }

        var body = text[start..end];
        if (!body.IsEmpty && (body[0] == (byte)'+' || body[0] == (byte)'-'))
        {
            body = body[1..];
        }

        bool digitBefore = false;
        bool any = false;
        while (!body.IsEmpty)
        {
            if (body[0] == (byte)'_')
            {
                if (!digitBefore)
                {
                    return false;
                }

                digitBefore = false;
                body = body[1..];
                continue;
            }

            if (Rune.DecodeFromUtf8(body, out var rune, out int consumed) != OperationStatus.Done
                || Rune.GetUnicodeCategory(rune) != System.Globalization.UnicodeCategory.DecimalDigitNumber)
            {
                return false;
            }

            digitBefore = true;
            any = true;
            body = body[consumed..];
        }

        return any && digitBefore;
    }

    private static bool IsSpace(ReadOnlySpan<byte> text, out int length) =>
        Rune.DecodeFromUtf8(text, out var rune, out length) == OperationStatus.Done && IsPythonSpace(rune);

    private static bool IsSpaceBefore(ReadOnlySpan<byte> text, out int length) =>
        Rune.DecodeLastFromUtf8(text, out var rune, out length) == OperationStatus.Done && IsPythonSpace(rune);

    private static bool IsPythonSpace(Rune rune) => Rune.IsWhiteSpace(rune) || rune.Value is >= 0x1C and <= 0x1F;
}
