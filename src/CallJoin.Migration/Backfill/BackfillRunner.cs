using System.Globalization;
using ClickHouse.Driver;

namespace CallJoin.Migration.Backfill;

/// <summary>
/// <c>calljoin backfill</c>: copies calls_merged into calls_complete in batches of days, newest first, from the day
/// before the cutoff back to the oldest day, recording each day's progress in backfill_progress.
/// </summary>
/// <remarks>
/// <para>
/// Every day of the range gets a <c>pending</c> row when first seen, then <c>processing</c> while its batch runs, then
/// <c>completed</c> (with its row and error-record counts) or <c>failed</c>. Completed days are skipped, so a run
/// killed at any point resumes where it stopped when run again; a batch it was in the middle of is copied again,
/// which writes nothing new (see <see cref="BackfillWindowCopier"/>). The first failed batch stops the run.
/// </para>
/// <para>A batch's read that hits MEMORY_LIMIT_EXCEEDED is retried as two half windows, down to <see cref="BackfillOptions.MinWindow"/>.</para>
/// </remarks>
public sealed class BackfillRunner : IDisposable
{
    private const int MemoryLimitExceeded = 241;

    private readonly ClickHouseClient _client;
    private readonly BackfillOptions _options;
    private readonly IBackfillObserver? _observer;
    private readonly TimeProvider _time;
    private readonly BackfillProgressLedger _ledger;
    private readonly BackfillWindowCopier _copier;
    private int _halved;
    private long _dryRows;

    public BackfillRunner(ClickHouseClient client, BackfillOptions options, IBackfillObserver? observer = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _client = client;
        _options = options;
        _observer = observer;
        _time = time ?? TimeProvider.System;
        _ledger = new BackfillProgressLedger(client, options.Database, _time);
        _copier = new BackfillWindowCopier(client, options, new RowRateLimiter(options.RowsPerSecond, _time), rows => _observer?.OnRows(rows));
        CopyWindow = _copier.CopyAsync;
    }

    public void Dispose() => _copier.Dispose();

    /// <summary>Copies one window (tests replace it to inject failures).</summary>
    internal Func<BackfillWindow, CancellationToken, Task<Dictionary<DateOnly, BackfillDayCounts>>> CopyWindow { get; set; }

    /// <summary>Runs the backfill (or the dry run) over the whole range.</summary>
    public async Task<BackfillSummary> RunAsync(CancellationToken ct = default)
    {
        var started = _time.GetTimestamp();
        var newest = _options.Cutoff.AddDays(-1);
        var oldest = _options.Until ?? await OldestDayAsync(ct).ConfigureAwait(false);
        var days = new List<DateOnly>();
        for (var day = newest; oldest is { } o && day >= o; day = day.AddDays(-1))
        {
            days.Add(day);
        }

        if (days.Count == 0)
        {
            _observer?.OnPlanned(days, 0);
            return new BackfillSummary([], _time.GetElapsedTime(started), 0, _options.DryRun);
        }

        _observer?.OnPlanned(days, await EstimateCallsAsync(BackfillWindow.Days(days[^1], days[0]), ct).ConfigureAwait(false));
        var results = new List<BackfillDayResult>();
        var failure = _options.DryRun
            ? await DryRunAsync(days, results, ct).ConfigureAwait(false)
            : await CopyAsync(days, results, ct).ConfigureAwait(false);
        return new BackfillSummary(results, _time.GetElapsedTime(started), _halved, _options.DryRun, failure);
    }

    private async Task<string?> CopyAsync(List<DateOnly> days, List<BackfillDayResult> results, CancellationToken ct)
    {
        var states = await _ledger.ReadAsync(days[^1], days[0], ct).ConfigureAwait(false);
        await _ledger.WriteAsync(
            days.Where(d => !states.ContainsKey(d)).Select(d => (d, BackfillDayStatus.Pending, default(BackfillDayCounts))), ct).ConfigureAwait(false);
        var todo = new List<DateOnly>();
        foreach (var day in days)
        {
            if (states.GetValueOrDefault(day) == BackfillDayStatus.Completed)
            {
                Report(results, new BackfillDayResult(day, BackfillDayStatus.Completed, default, Skipped: true));
            }
            else
            {
                todo.Add(day);
            }
        }

        foreach (var batch in Batches(todo))
        {
            await _ledger.WriteAsync(batch.Select(d => (d, BackfillDayStatus.Processing, default(BackfillDayCounts))), ct).ConfigureAwait(false);
            Dictionary<DateOnly, BackfillDayCounts> counts;
            try
            {
                counts = await WithHalvingAsync(BackfillWindow.Days(batch[^1], batch[0]), CopyWindow, ct).ConfigureAwait(false);
            }
            catch (Exception error) when (!ct.IsCancellationRequested)
            {
                // Recorded even though the run stops: the router must not take a half-copied day as done.
                await _ledger.WriteAsync(batch.Select(d => (d, BackfillDayStatus.Failed, default(BackfillDayCounts))), CancellationToken.None).ConfigureAwait(false);
                foreach (var day in batch)
                {
                    Report(results, new BackfillDayResult(day, BackfillDayStatus.Failed, default, Skipped: false));
                }

                return string.Create(CultureInfo.InvariantCulture, $"{BackfillWindow.Days(batch[^1], batch[0])}: {error.Message}");
            }

            await _ledger.WriteAsync(batch.Select(d => (d, BackfillDayStatus.Completed, counts.GetValueOrDefault(d))), ct).ConfigureAwait(false);
            foreach (var day in batch)
            {
                Report(results, new BackfillDayResult(day, BackfillDayStatus.Completed, counts.GetValueOrDefault(day), Skipped: false));
            }
        }

        return null;
    }

    private async Task<string?> DryRunAsync(List<DateOnly> days, List<BackfillDayResult> results, CancellationToken ct)
    {
        foreach (var batch in Batches(days))
        {
            Dictionary<DateOnly, BackfillDayCounts> counts;
            try
            {
                counts = await WithHalvingAsync(BackfillWindow.Days(batch[^1], batch[0]), CountWindowAsync, ct).ConfigureAwait(false);
            }
            catch (Exception error) when (!ct.IsCancellationRequested)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{BackfillWindow.Days(batch[^1], batch[0])}: {error.Message}");
            }

            foreach (var day in batch)
            {
                Report(results, new BackfillDayResult(day, BackfillDayStatus.Completed, counts.GetValueOrDefault(day), Skipped: false));
            }
        }

        return null;
    }

    /// <summary>Runs <paramref name="work"/> over the window, splitting it in two on every memory error.</summary>
    private async Task<Dictionary<DateOnly, BackfillDayCounts>> WithHalvingAsync(
        BackfillWindow window, Func<BackfillWindow, CancellationToken, Task<Dictionary<DateOnly, BackfillDayCounts>>> work, CancellationToken ct)
    {
        var total = new Dictionary<DateOnly, BackfillDayCounts>();
        var windows = new Stack<BackfillWindow>();
        windows.Push(window);
        while (windows.TryPop(out var next))
        {
            Dictionary<DateOnly, BackfillDayCounts> counts;
            try
            {
                counts = await work(next, ct).ConfigureAwait(false);
            }
            catch (Exception error) when (IsMemoryError(error) && next.Length / 2 >= _options.MinWindow)
            {
                // What the failed read wrote is written again by the halves: its counts are dropped, its rows dedupe.
                _halved++;
                _observer?.OnWindowHalved(next);
                var (older, newer) = next.Halve();
                windows.Push(older);
                windows.Push(newer);
                continue;
            }

            foreach (var (day, dayCounts) in counts)
            {
                total[day] = total.GetValueOrDefault(day) + dayCounts;
            }
        }

        return total;
    }

    private async Task<Dictionary<DateOnly, BackfillDayCounts>> CountWindowAsync(BackfillWindow window, CancellationToken ct)
    {
        var counts = new Dictionary<DateOnly, BackfillDayCounts>();
        var sql = MergedCallQuery.DayCounts(_options.Database, window);
        using var reader = await _client.ExecuteReaderAsync(sql, null, BackfillWindowCopier.ReadOptions(_options), ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var day = DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var dayCounts = new BackfillDayCounts(Long(reader.GetValue(1)), Long(reader.GetValue(2)), Long(reader.GetValue(3)), 0);
            counts[day] = dayCounts;
            _dryRows += dayCounts.Rows + dayCounts.Errors;
        }

        _observer?.OnRows(_dryRows);
        return counts;
    }

    /// <summary>Consecutive days (newest first) in groups of at most <see cref="BackfillOptions.DaysPerBatch"/>.</summary>
    private IEnumerable<List<DateOnly>> Batches(List<DateOnly> days)
    {
        var batch = new List<DateOnly>();
        foreach (var day in days)
        {
            if (batch.Count == _options.DaysPerBatch || (batch.Count > 0 && batch[^1].AddDays(-1) != day))
            {
                yield return batch;
                batch = [];
            }

            batch.Add(day);
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private void Report(List<BackfillDayResult> results, BackfillDayResult result)
    {
        results.Add(result);
        _observer?.OnDay(result);
    }

    private async Task<DateOnly?> OldestDayAsync(CancellationToken ct)
    {
        using var reader = await _client.ExecuteReaderAsync(MergedCallQuery.OldestDay(_options.Database), cancellationToken: ct).ConfigureAwait(false);
        if (!reader.Read() || Long(reader.GetValue(1)) == 0)
        {
            return null;
        }

        return DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private async Task<long> EstimateCallsAsync(BackfillWindow window, CancellationToken ct) =>
        Long(await _client.ExecuteScalarAsync(MergedCallQuery.EstimatedCalls(_options.Database, window), cancellationToken: ct).ConfigureAwait(false));

    /// <summary>MEMORY_LIMIT_EXCEEDED, as the server's error or as text in a stream cut off mid-result.</summary>
    internal static bool IsMemoryError(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is ClickHouseServerException { ErrorCode: MemoryLimitExceeded }
                || e.Message.Contains("MEMORY_LIMIT_EXCEEDED", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static long Long(object value) => value is DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
