namespace CallJoin.Replay;

/// <summary>What a replay read and what the join made of it.</summary>
/// <param name="Records">Dump records fed to the engine (both topics).</param>
/// <param name="OtherTopics">Records of topics that are neither the start nor the end topic, skipped.</param>
/// <param name="MalformedLines">Dump lines that are not records (reported on the log, not fed).</param>
/// <param name="Rows">Rows written (complete and running).</param>
/// <param name="Errors">Error records written.</param>
/// <param name="Elapsed">Wall time of the replay.</param>
public sealed record ReplaySummary(long Records, long OtherTopics, long MalformedLines, long Rows, long Errors, TimeSpan Elapsed)
{
    /// <summary>Records per second of wall time.</summary>
    public double RecordsPerSecond => Elapsed > TimeSpan.Zero ? Records / Elapsed.TotalSeconds : 0;
}
