namespace CallJoin.Core.Join;

/// <summary>
/// Decides when idle input should move stream time: after <see cref="IdleAfter"/> without records, stream time runs
/// on with the wall clock from the last record's timestamp, so timeouts still fire when traffic stops.
/// </summary>
/// <remarks>
/// While records flow, stream time is theirs alone (a replay gives the live run's output); the wall clock only
/// fills silences. Single-threaded, like the engine it drives.
/// </remarks>
public sealed class StreamClock
{
    private readonly TimeProvider _wall;
    private long _lastRecord = long.MinValue;
    private long _lastRecordWall;

    public StreamClock(TimeProvider wall, TimeSpan idleAfter)
    {
        ArgumentNullException.ThrowIfNull(wall);
        ArgumentOutOfRangeException.ThrowIfLessThan(idleAfter, TimeSpan.Zero);
        _wall = wall;
        IdleAfter = idleAfter;
        _lastRecordWall = wall.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>How long input must be silent before the wall clock moves stream time.</summary>
    public TimeSpan IdleAfter { get; }

    /// <summary>Notes a record (its timestamp, ms since the Unix epoch) as it is handed to the engine.</summary>
    public void OnRecord(long timestampMillis)
    {
        _lastRecord = Math.Max(_lastRecord, timestampMillis);
        _lastRecordWall = _wall.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>When input has been idle long enough: the stream time to advance the engine to.</summary>
    /// <param name="streamMillis">The last record's timestamp plus the silence since it arrived.</param>
    public bool TryGetIdleTime(out long streamMillis) => TryGetIdleTime(caughtUp: false, out streamMillis);

    /// <summary>
    /// When input has been idle long enough: the stream time to advance the engine to. With <paramref name="caughtUp"/>
    /// (every partition read to its end) it is at least the wall clock's reading, so old records (a backlog, a replayed
    /// topic) time out as soon as nothing more is coming; otherwise a silence only adds its own length, so a pause in
    /// the middle of a backlog cannot make halves time out early.
    /// </summary>
    public bool TryGetIdleTime(bool caughtUp, out long streamMillis)
    {
        var wallNow = _wall.GetUtcNow().ToUnixTimeMilliseconds();
        var idle = wallNow - _lastRecordWall;
        if (idle < (long)IdleAfter.TotalMilliseconds || (_lastRecord == long.MinValue && !caughtUp))
        {
            streamMillis = 0;
            return false;
        }

        // Caught up with no record yet (a restart with nothing new to read): the wall clock alone, so the timeouts that
        // fell due while the service was down fire now, not when traffic returns.
        streamMillis = _lastRecord == long.MinValue ? wallNow
            : caughtUp ? Math.Max(_lastRecord + idle, wallNow) : _lastRecord + idle;
        return true;
    }
}
