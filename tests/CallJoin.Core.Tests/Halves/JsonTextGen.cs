using System.Globalization;
using System.Text;
using CsCheck;

namespace CallJoin.Core.Tests.Halves;

/// <summary>
/// Generates JSON texts of every shape: escapes written in all the ways JSON allows, non-ASCII raw or escaped,
/// integers of any size, floats in several notations, whitespace, and (optionally) repeated object keys.
/// No lone surrogates and no values beyond the double range, so the output stays valid, comparable JSON.
/// </summary>
internal static class JsonTextGen
{
    private static readonly Gen<int> s_codePoint = Gen.Frequency(
        (6, Gen.Int[0x20, 0x7E]),
        (2, Gen.Int[0x00, 0x1F]),
        (1, Gen.Const(0x7F)),
        (2, Gen.Int[0x80, 0x7FF]),
        (2, Gen.Int[0x800, 0xD7FF]),
        (1, Gen.Int[0xE000, 0xFFFF]),
        (2, Gen.Int[0x10000, 0x10FFFF]));

    /// <summary>A code point and how to write it: 0 raw (when JSON allows), 1 \u escape upper, 2 \u escape lower, 3 short escape.</summary>
    private static readonly Gen<string> s_string = Gen.Select(s_codePoint, Gen.Int[0, 3]).Array[0, 12].Select(Render);

    private static readonly Gen<string> s_integer = Gen.Frequency(
        (4, Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Const("-0")),
        (2, Gen.Select(Gen.Bool, Gen.Int[1, 9], Gen.Char["0123456789"].Array[0, 60])
            .Select((negative, first, rest) => (negative ? "-" : "") + (char)('0' + first) + new string(rest))));

    private static readonly Gen<string> s_float = Gen.Frequency(
        (3, Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.Double.Where(double.IsFinite).Select(d => d.ToString("E16", CultureInfo.InvariantCulture))),
        (2, Gen.Select(Gen.Long[-99_999_999, 99_999_999], Gen.Int[-30, 30], Gen.Int[0, 3]).Select(Decimal)),
        (1, Gen.OneOf(Gen.Const("0.0"), Gen.Const("-0.0"), Gen.Const("1e16"), Gen.Const("1e-5"), Gen.Const("0.0001"), Gen.Const("1E+2"))));

    private static readonly Gen<string> s_scalar = Gen.Frequency(
        (4, s_string),
        (2, s_integer),
        (3, s_float),
        (1, Gen.OneOf(Gen.Const("null"), Gen.Const("true"), Gen.Const("false"))));

    private static readonly Gen<string> s_space = Gen.Frequency((6, Gen.Const("")), (1, Gen.OneOf(Gen.Const(" "), Gen.Const("\n\t "), Gen.Const("\r\n"))));

    /// <summary>A JSON value; objects have distinct keys unless <paramref name="repeatKeys"/>.</summary>
    public static Gen<string> Value(bool repeatKeys) => Gen.Recursive<string>((depth, self) => depth >= 4
        ? s_scalar
        : Gen.Frequency(
            (3, s_scalar),
            (1, Gen.Select(self, s_space).Array[0, 5].Select(items =>
                "[" + string.Join(",", items.Select(i => i.Item2 + i.Item1 + i.Item2)) + "]")),
            (1, Gen.Select(s_string, self, s_space).Array[0, 5].Select(members => Object(members, repeatKeys)))));

    private static string Object((string Key, string Value, string Space)[] members, bool repeatKeys)
    {
        var seen = new HashSet<string>();
        var parts = new List<string>();
        foreach (var (key, value, space) in members)
        {
            var name = repeatKeys && parts.Count > 0 && key.Length % 3 == 0 ? members[0].Key : key;
            if (!repeatKeys && !seen.Add(System.Text.Json.JsonDocument.Parse(name).RootElement.GetString()!))
            {
                continue;
            }

            parts.Add(space + name + space + ":" + space + value);
        }

        return "{" + string.Join(",", parts) + "}";
    }

    private static string Decimal(long mantissa, int exponent, int style)
    {
        var digits = Math.Abs(mantissa).ToString(CultureInfo.InvariantCulture);
        var sign = mantissa < 0 ? "-" : "";
        var point = digits.Length > 1 ? digits[..1] + "." + digits[1..] : digits + ".0";
        return style switch
        {
            0 => sign + point + "e" + exponent.ToString(CultureInfo.InvariantCulture),
            1 => sign + digits + "E" + (exponent >= 0 ? "+" : "") + exponent.ToString(CultureInfo.InvariantCulture),
            2 => sign + point,
            _ => sign + "0." + digits + "0",
        };
    }

    private static string Render((int CodePoint, int Style)[] chars)
    {
        var text = new StringBuilder("\"");
        foreach (var (cp, style) in chars)
        {
            var shortEscape = cp switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '/' => "\\/",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => null,
            };
            bool mustEscape = cp < 0x20 || cp is '"' or '\\';
            if (style == 3 && shortEscape is not null)
            {
                text.Append(shortEscape);
            }
            else if (style is 1 or 2 || mustEscape)
            {
                foreach (char unit in char.ConvertFromUtf32(cp))
                {
                    text.Append(CultureInfo.InvariantCulture, $"\\u{(int)unit:x4}");
                    if (style == 1)
                    {
                        text.Replace($"\\u{(int)unit:x4}", $"\\u{(int)unit:X4}", text.Length - 6, 6);
                    }
                }
            }
            else
            {
                text.Append(char.ConvertFromUtf32(cp));
            }
        }

        return text.Append('"').ToString();
    }
}
