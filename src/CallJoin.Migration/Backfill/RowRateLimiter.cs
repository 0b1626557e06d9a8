namespace CallJoin.Migration.Backfill;

/// <summary>
/// Paces rows to at most <c>rowsPerSecond</c> on average since the limiter started: a row is admitted once the time
/// for every row before it has passed, so a slow stretch is not made up by a burst larger than one second's worth.
/// </summary>
/// <remarks>Single-threaded.</remarks>
public sealed class RowRateLimiter
{
    private readonly double _rowsPerSecond;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private double _admitted;

    /// <param name="rowsPerSecond">The rate; 0 admits everything at once.</param>
    public RowRateLimiter(int rowsPerSecond, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowsPerSecond);
        _rowsPerSecond = rowsPerSecond;
        _time = time ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
    }

    /// <summary>Completes when one more row may be written.</summary>
    public ValueTask WaitAsync(CancellationToken ct)
    {
        if (_rowsPerSecond == 0)
        {
            return ValueTask.CompletedTask;
        }

        var elapsed = _time.GetElapsedTime(_startTimestamp).TotalSeconds;
        if (_admitted < elapsed * _rowsPerSecond - _rowsPerSecond)
        {
            // Idle for more than a second (a query was running): no burst to catch up with.
            _admitted = (elapsed * _rowsPerSecond) - _rowsPerSecond;
        }

        var due = _admitted / _rowsPerSecond;
        _admitted++;
        return due <= elapsed ? ValueTask.CompletedTask : new ValueTask(Task.Delay(TimeSpan.FromSeconds(due - elapsed), _time, ct));
    }
}
