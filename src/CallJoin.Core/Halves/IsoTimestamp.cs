namespace CallJoin.Core.Halves;

/// <summary>
/// ISO-8601 date-times as pydantic writes them (<c>2025-01-02T03:04:05.123456Z</c>, <c>+00:00</c>) to microseconds
/// since the Unix epoch, UTC.
/// </summary>
/// <remarks>
/// Accepts <c>T</c>, <c>t</c> or a space between date and time; seconds optional; 1-9 fraction digits after <c>.</c>
/// or <c>,</c> (beyond microseconds truncated); offset <c>Z</c>, <c>±HH:MM</c>, <c>±HHMM</c>, <c>±HH</c>, or none
/// (taken as UTC). Rejects out-of-range fields, including leap seconds and 24:00, as Python's datetime does.
/// </remarks>
internal static class IsoTimestamp
{
    private const long MicrosPerSecond = 1_000_000;

    public static bool TryParseMicros(ReadOnlySpan<byte> text, out long micros)
    {
        micros = 0;
        if (text.Length < 16
            || !TryDigits(text[..4], out int year) || text[4] != (byte)'-'
            || !TryDigits(text.Slice(5, 2), out int month) || text[7] != (byte)'-'
            || !TryDigits(text.Slice(8, 2), out int day)
            || text[10] is not ((byte)'T' or (byte)'t' or (byte)' ')
            || !TryDigits(text.Slice(11, 2), out int hour) || text[13] != (byte)':'
            || !TryDigits(text.Slice(14, 2), out int minute))
        {
            return false;
        }

        int second = 0;
        long fraction = 0;
        var rest = text[16..];
        if (rest.Length >= 3 && rest[0] == (byte)':')
        {
            if (!TryDigits(rest.Slice(1, 2), out second))
            {
                return false;
            }

            rest = rest[3..];
            if (!rest.IsEmpty && rest[0] is (byte)'.' or (byte)',')
            {
                int digits = 0;
                rest = rest[1..];
                while (digits < rest.Length && rest[digits] - (uint)'0' <= 9)
                {
                    if (digits < 6)
                    {
                        fraction = (fraction * 10) + (rest[digits] - '0');
                    }

                    digits++;
                }

                if (digits is 0 or > 9)
                {
                    return false;
                }

                for (int i = digits; i < 6; i++)
                {
                    fraction *= 10;
                }

                rest = rest[digits..];
            }
        }

        if (!TryOffset(rest, out int offsetSeconds))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long seconds = (DaysFromCivil(year, month, day) * 86_400L) + (hour * 3600) + (minute * 60) + second - offsetSeconds;
        micros = (seconds * MicrosPerSecond) + fraction;
        return true;
    }

    /// <summary>Seconds east of UTC: none or <c>Z</c> is 0; else <c>±HH</c>, <c>±HHMM</c> or <c>±HH:MM</c>.</summary>
    private static bool TryOffset(ReadOnlySpan<byte> text, out int seconds)
    {
        seconds = 0;
        if (text.IsEmpty || (text.Length == 1 && text[0] is (byte)'Z' or (byte)'z'))
        {
            return true;
        }

        if (text.Length < 3 || text[0] is not ((byte)'+' or (byte)'-') || !TryDigits(text.Slice(1, 2), out int hours) || hours > 23)
        {
            return false;
        }

        int minutes = 0;
        var tail = text[3..];
        if (tail.Length == 3 && tail[0] == (byte)':')
        {
            tail = tail[1..];
        }

        if ((tail.Length != 0 && tail.Length != 2) || !TryDigits(tail, out minutes) || minutes > 59)
        {
            return false;
        }

        seconds = (text[0] == (byte)'-' ? -1 : 1) * ((hours * 3600) + (minutes * 60));
        return true;
    }

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).</summary>
    private static long DaysFromCivil(int year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        int era = (year >= 0 ? year : year - 399) / 400;
        int yearOfEra = year - (era * 400);
        int dayOfYear = ((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5 + day - 1;
        int dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146_097L) + dayOfEra - 719_468;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (byte c in text)
        {
            uint digit = c - (uint)'0';
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
