using System.Globalization;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// A JSON number as Python's <c>json.dumps(json.loads(text))</c> writes it: an integer literal stays as written (any
/// size; <c>-0</c> becomes <c>0</c>), anything with a fraction or exponent is a float printed as <c>repr(float)</c>.
/// </summary>
/// <remarks>
/// <c>repr(float)</c> is the shortest digit string that round-trips, in fixed notation when the decimal exponent is in
/// [-4, 16) (with <c>.0</c> when integral) and scientific otherwise (<c>1e+16</c>, <c>1.5e-07</c>); literals beyond the
/// double range become <c>Infinity</c> / <c>-Infinity</c>, which is what <c>json.dumps</c> prints for them.
/// Python refuses to print an integer of more than 4300 digits (its default int/str conversion limit), so neither do we.
/// </remarks>
internal static class PythonNumber
{
    /// <summary>Python's default <c>sys.get_int_max_str_digits()</c>.</summary>
    public const int MaxIntegerDigits = 4300;

    /// <summary>Writes the number token. False if Python could not print it.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> token, ByteBuffer output)
    {
        if (token.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
        {
            int digits = token.Length - (token[0] == (byte)'-' ? 1 : 0);
            if (digits > MaxIntegerDigits)
            {
                return false;
            }

            if (token.Length == 2 && token[0] == (byte)'-' && token[1] == (byte)'0')
            {
                output.Append((byte)'0');
            }
            else
            {
                output.Append(token);
            }

            return true;
        }

        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return false;
        }

        WriteFloat(value, output);
        return true;
    }

    /// <summary>Writes <c>repr(value)</c> as <c>json.dumps</c> does (with its spellings of the non-finite values).</summary>
    public static void WriteFloat(double value, ByteBuffer output)
    {
        if (!double.IsFinite(value))
        {
            output.Append(double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);
            return;
        }

        if (value == 0)
        {
            output.Append(double.IsNegative(value) ? "-0.0"u8 : "0.0"u8);
            return;
        }

        // .NET's round-trip format gives the same shortest digits; only the layout differs from Python's.
        Span<byte> text = stackalloc byte[32];
        value.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture);
        text = text[..length];

        Span<byte> digits = stackalloc byte[32];
        int count = 0;
        int pointAt = -1;
        int exponent = 0;
        bool negative = false;
        for (int i = 0; i < text.Length; i++)
        {
            byte c = text[i];
            if (c == (byte)'-')
            {
                negative = true;
            }
            else if (c == (byte)'.')
            {
                pointAt = count;
            }
            else if (c is (byte)'E' or (byte)'e')
            {
                exponent = int.Parse(text[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[count++] = c;
            }
        }

        // value = 0.d1d2d3... * 10^decimalPoint, with no leading or trailing zero digits.
        int decimalPoint = (pointAt < 0 ? count : pointAt) + exponent;
        int first = 0;
        while (digits[first] == (byte)'0')
        {
            first++;
            decimalPoint--;
        }

        int last = count;
        while (digits[last - 1] == (byte)'0')
        {
            last--;
        }

        var d = digits[first..last];
        var span = output.GetSpan(d.Length + 32);
        int w = 0;
        if (negative)
        {
            span[w++] = (byte)'-';
        }

        if (decimalPoint <= -4 || decimalPoint > 16)
        {
            span[w++] = d[0];
            if (d.Length > 1)
            {
                span[w++] = (byte)'.';
                d[1..].CopyTo(span[w..]);
                w += d.Length - 1;
            }

            int e = decimalPoint - 1;
            span[w++] = (byte)'e';
            span[w++] = e < 0 ? (byte)'-' : (byte)'+';
            e = Math.Abs(e);
            if (e < 10)
            {
                span[w++] = (byte)'0';
            }

            e.TryFormat(span[w..], out int written, default, CultureInfo.InvariantCulture);
            w += written;
        }
        else if (decimalPoint <= 0)
        {
            span[w++] = (byte)'0';
            span[w++] = (byte)'.';
            span.Slice(w, -decimalPoint).Fill((byte)'0');
            w += -decimalPoint;
            d.CopyTo(span[w..]);
            w += d.Length;
        }
        else if (decimalPoint >= d.Length)
        {
            d.CopyTo(span[w..]);
            w += d.Length;
            span.Slice(w, decimalPoint - d.Length).Fill((byte)'0');
            w += decimalPoint - d.Length;
            span[w++] = (byte)'.';
            span[w++] = (byte)'0';
        }
        else
        {
            d[..decimalPoint].CopyTo(span[w..]);
            w += decimalPoint;
            span[w++] = (byte)'.';
            d[decimalPoint..].CopyTo(span[w..]);
            w += d.Length - decimalPoint;
        }

        output.Advance(w);
    }
}
