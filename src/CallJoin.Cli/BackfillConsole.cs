using System.Diagnostics;
using System.Globalization;
using CallJoin.Migration.Backfill;

namespace CallJoin.Cli;

/// <summary>
/// The backfill's feedback: a progress line (days, rows, rows/s, ETA) redrawn in place on a terminal, or printed as
/// plain lines at most every few seconds when output is redirected; a line per finished day; a summary at the end.
/// </summary>
/// <remarks>Called from the runner's task only.</remarks>
internal sealed class BackfillConsole(TextWriter output, bool interactive) : IBackfillObserver
{
    private static readonly TimeSpan s_interactiveEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_plainEvery = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastDraw = TimeSpan.FromDays(-1); // far enough back that the first update draws
    private int _daysTotal;
    private int _daysDone;
    private long _estimatedCalls;
    private long _rows;
    private bool _lineOpen;

    public void OnPlanned(IReadOnlyList<DateOnly> days, long estimatedCalls)
    {
        _daysTotal = days.Count;
        _estimatedCalls = estimatedCalls;
        Line(days.Count == 0
            ? "backfill: no days to copy (calls_merged is empty or the range is)"
            : string.Create(CultureInfo.InvariantCulture, $"backfill: {days.Count} day(s), {days[0]:yyyy-MM-dd} back to {days[^1]:yyyy-MM-dd}, about {estimatedCalls:N0} calls"));
    }

    public void OnRows(long rows)
    {
        _rows = rows;
        var now = _clock.Elapsed;
        if (now - _lastDraw >= (interactive ? s_interactiveEvery : s_plainEvery))
        {
            _lastDraw = now;
            Draw();
        }
    }

    public void OnWindowHalved(BackfillWindow window) =>
        Line($"backfill: {window} ran out of memory; retrying it as two halves");

    public void OnDay(BackfillDayResult day)
    {
        _daysDone++;
        var c = day.Counts;
        Line(day.Skipped
            ? string.Create(CultureInfo.InvariantCulture, $"backfill: {day.Day:yyyy-MM-dd} already completed, skipped")
            : string.Create(CultureInfo.InvariantCulture,
                $"backfill: {day.Day:yyyy-MM-dd} {day.Status.ToString().ToLowerInvariant()}: {c.Complete:N0} complete, {c.Running:N0} running, {c.EndOnly:N0} end-only (start_missing), {c.Refused:N0} refused"));
        Draw();
    }

    public void WriteSummary(BackfillSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var t = summary.Total;
        var seconds = Math.Max(summary.Elapsed.TotalSeconds, 0.001);
        var skipped = summary.Days.Count(d => d.Skipped);
        var verb = summary.DryRun ? "would copy" : "copied";
        Line(string.Create(CultureInfo.InvariantCulture,
            $"backfill: {(summary.Succeeded ? "done" : "FAILED")} in {summary.Elapsed.TotalSeconds:N1} s: {summary.Days.Count - skipped} day(s) {verb}, {skipped} skipped; " +
            $"{t.Complete:N0} complete + {t.Running:N0} running rows, {t.EndOnly:N0} start_missing + {t.Refused:N0} refused records; " +
            $"{(t.Rows + t.Errors) / seconds:N0} rows/s; {summary.WindowsHalved} window(s) halved"));
        if (summary.Failure is { } failure)
        {
            Line($"backfill: stopped at {failure}; run the same command again to resume");
        }
    }

    private void Draw()
    {
        var elapsed = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var rate = _rows / elapsed;
        var left = Math.Max(_estimatedCalls - _rows, 0);
        var eta = rate > 0 && _estimatedCalls > 0 ? TimeSpan.FromSeconds(left / rate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--";
        var width = 24;
        var filled = _daysTotal == 0 ? width : (int)((long)width * _daysDone / _daysTotal);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', width - filled)}] {_daysDone}/{_daysTotal} days, {_rows:N0} rows, {rate:N0} rows/s, ETA {eta}");
        if (interactive)
        {
            output.Write("\r" + text + "\u001b[K");
            _lineOpen = true;
        }
        else
        {
            output.WriteLine("backfill: " + text);
        }
    }

    private void Line(string text)
    {
        if (_lineOpen)
        {
            output.Write("\r\u001b[K");
            _lineOpen = false;
        }

        output.WriteLine(text);
    }
}
