using System.Globalization;
using System.Text;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;

namespace CallJoin.Migration.Backfill;

/// <summary>
/// Reads and appends day states in backfill_progress: a new row per change, the newest (by <c>updated_at</c>) being
/// the day's state, as <see cref="BackfillProgressTable"/> defines it.
/// </summary>
/// <remarks>
/// Timestamps are the writer's clock, made strictly increasing within a run, so two changes of one day in the same
/// millisecond still order. One insert per change of a batch: never per call. Single-threaded.
/// </remarks>
public sealed class BackfillProgressLedger(ClickHouseClient client, string database, TimeProvider? time = null)
{
    private readonly string _table = ClickHouseIdentifier.Qualified(database, BackfillProgressTable.Name);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _lastMillis;

    /// <summary>The current state of every day in [<paramref name="oldest"/>, <paramref name="newest"/>] that has one.</summary>
    public async Task<Dictionary<DateOnly, BackfillDayStatus>> ReadAsync(DateOnly oldest, DateOnly newest, CancellationToken ct)
    {
        var states = new Dictionary<DateOnly, BackfillDayStatus>();
        var sql = string.Create(CultureInfo.InvariantCulture,
            $"SELECT toString(batch_date), toInt8(argMax(status, updated_at)) FROM {_table} WHERE batch_date >= '{oldest:yyyy-MM-dd}' AND batch_date <= '{newest:yyyy-MM-dd}' GROUP BY batch_date");
        using var reader = await client.ExecuteReaderAsync(sql, cancellationToken: ct).ConfigureAwait(false);
        while (reader.Read())
        {
            states[DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture)] =
                (BackfillDayStatus)Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return states;
    }

    /// <summary>Appends one state row per day, all in one insert.</summary>
    public async Task WriteAsync(IEnumerable<(DateOnly Day, BackfillDayStatus Status, BackfillDayCounts Counts)> changes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var sql = new StringBuilder($"INSERT INTO {_table} (batch_date, status, processed_count, error_count, updated_at) VALUES ");
        var any = false;
        foreach (var (day, status, counts) in changes)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(NextMillis());
            sql.Append(CultureInfo.InvariantCulture,
                $"{(any ? ", " : "")}('{day:yyyy-MM-dd}', {(int)status}, {counts.Rows}, {counts.Errors}, toDateTime64('{at:yyyy-MM-dd HH:mm:ss.fff}', 3, 'UTC'))");
            any = true;
        }

        if (any)
        {
            await client.ExecuteNonQueryAsync(sql.ToString(), cancellationToken: ct).ConfigureAwait(false);
        }
    }

    /// <summary>Appends one day's state.</summary>
    public Task WriteAsync(DateOnly day, BackfillDayStatus status, BackfillDayCounts counts, CancellationToken ct) =>
        WriteAsync([(day, status, counts)], ct);

    private long NextMillis()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _lastMillis = Math.Max(now, _lastMillis + 1);
        return _lastMillis;
    }
}
