using System.Globalization;
using CallJoin.Migration.Backfill;

namespace CallJoin.Cli;

/// <summary>
/// The backfill's feedback: the shared progress display (days, rows, rows/s, ETA against the planned calls), a line
/// per finished day, a summary at the end.
/// </summary>
/// <remarks>Called from the runner's task only.</remarks>
internal sealed class BackfillConsole(ConsoleProgress progress, bool dryRun) : IBackfillObserver
{
    private int _daysTotal;
    private int _daysDone;
    private long _estimatedCalls;
    private long _rows;

    public void OnPlanned(IReadOnlyList<DateOnly> days, long estimatedCalls)
    {
        _daysTotal = days.Count;
        _estimatedCalls = estimatedCalls;
        progress.Line(days.Count == 0
            ? "backfill: no days to copy (calls_merged is empty or the range is)"
            : string.Create(CultureInfo.InvariantCulture, $"backfill: {days.Count} day(s), {days[0]:yyyy-MM-dd} back to {days[^1]:yyyy-MM-dd}, about {estimatedCalls:N0} calls"));
    }

    public void OnRows(long rows)
    {
        _rows = rows;
        Draw(force: false);
    }

    public void OnWindowHalved(BackfillWindow window) =>
        progress.Line($"backfill: {window} ran out of memory; retrying it as two halves");

    public void OnDay(BackfillDayResult day)
    {
        _daysDone++;
        var c = day.Counts;
        progress.Line(day.Skipped
            ? string.Create(CultureInfo.InvariantCulture, $"backfill: {day.Day:yyyy-MM-dd} already completed, skipped")
            : string.Create(CultureInfo.InvariantCulture,
                $"backfill: {day.Day:yyyy-MM-dd} {(dryRun ? "would copy" : day.Status.ToString().ToLowerInvariant())}: {c.Complete:N0} complete, {c.Running:N0} running, {c.EndOnly:N0} end-only (start_missing), {c.Refused:N0} refused"));
        Draw(force: true);
    }

    public void WriteSummary(BackfillSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var t = summary.Total;
        var seconds = Math.Max(summary.Elapsed.TotalSeconds, 0.001);
        var skipped = summary.Days.Count(d => d.Skipped);
        var verb = summary.DryRun ? "would copy" : "copied";
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"backfill: {(summary.Succeeded ? "done" : "FAILED")} in {summary.Elapsed.TotalSeconds:N1} s: {summary.Days.Count - skipped} day(s) {verb}, {skipped} skipped; " +
            $"{t.Complete:N0} complete + {t.Running:N0} running rows, {t.EndOnly:N0} start_missing + {t.Refused:N0} refused records; " +
            $"{(t.Rows + t.Errors) / seconds:N0} rows/s; {summary.WindowsHalved} window(s) halved"));
        if (summary.Failure is { } failure)
        {
            progress.Line($"backfill: stopped at {failure}; run the same command again to resume");
        }
    }

    private void Draw(bool force) =>
        progress.Update(_rows, _rows, _estimatedCalls, string.Create(CultureInfo.InvariantCulture, $"{_daysDone}/{_daysTotal} days"), force);
}
