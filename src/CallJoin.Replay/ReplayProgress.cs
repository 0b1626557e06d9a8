namespace CallJoin.Replay;

/// <summary>A progress report: records fed so far and the wall time taken.</summary>
public readonly record struct ReplayProgress(long Records, long Rows, long Errors, TimeSpan Elapsed);
