namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// The month a row's partition key falls in (<c>toYYYYMM(started_at)</c> for calls_complete,
/// <c>toYYYYMM(first_seen)</c> for calljoin_errors), as months since year 0 so that a span of months is a subtraction.
/// </summary>
/// <remarks>
/// Computed in UTC. A server in another time zone puts a row near a month's edge in the neighbouring month, so a group
/// of N months here can touch a few more partitions there; an insert ClickHouse still refuses for that reason is
/// bisected like any other refused block (see <see cref="ClickHouseSink"/>).
/// </remarks>
internal static class PartitionMonth
{
    private const long MicrosPerDay = 86_400_000_000;
    private const long MillisPerDay = 86_400_000;

    public static int FromUnixMicros(long micros) => FromUnixDays(FloorDiv(micros, MicrosPerDay));

    public static int FromUnixMillis(long millis) => FromUnixDays(FloorDiv(millis, MillisPerDay));

    /// <summary>The civil month of a day count since 1970-01-01 (Howard Hinnant's civil_from_days: no DateTime, no throw).</summary>
    private static int FromUnixDays(long days)
    {
        var z = days + 719_468;
        var era = FloorDiv(z, 146_097);
        var dayOfEra = z - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1_460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var mp = ((5 * dayOfYear) + 2) / 153;
        var month = mp < 10 ? mp + 3 : mp - 9;
        var year = yearOfEra + (era * 400) + (month <= 2 ? 1 : 0);
        return (int)Math.Clamp((year * 12) + month - 1, int.MinValue / 2, int.MaxValue / 2);
    }

    private static long FloorDiv(long a, long b) => (a / b) - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}
