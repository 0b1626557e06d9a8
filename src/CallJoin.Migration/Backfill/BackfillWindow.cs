using System.Globalization;

namespace CallJoin.Migration.Backfill;

/// <summary>A half-open range of call times [<see cref="From"/>, <see cref="To"/>), UTC, read from calls_merged at once.</summary>
/// <remarks>A call belongs to the window holding its started_at, or its ended_at when it has no start.</remarks>
public readonly record struct BackfillWindow(DateTime From, DateTime To)
{
    /// <summary>Whole days [<paramref name="oldest"/>, <paramref name="newest"/>].</summary>
    public static BackfillWindow Days(DateOnly oldest, DateOnly newest) =>
        new(oldest.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), newest.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    public TimeSpan Length => To - From;

    /// <summary>The two halves, older first.</summary>
    public (BackfillWindow Older, BackfillWindow Newer) Halve()
    {
        var middle = From + TimeSpan.FromTicks(Length.Ticks / 2);
        return (new BackfillWindow(From, middle), new BackfillWindow(middle, To));
    }

    /// <summary>A ClickHouse DateTime64(6) literal of <paramref name="utc"/>.</summary>
    public static string Literal(DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"toDateTime64('{utc:yyyy-MM-dd HH:mm:ss.ffffff}', 6, 'UTC')");

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{From:yyyy-MM-dd HH:mm}, {To:yyyy-MM-dd HH:mm})");
}
