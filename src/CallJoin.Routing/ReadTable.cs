namespace CallJoin.Routing;

/// <summary>The table a read is served from.</summary>
public enum ReadTable
{
    /// <summary>The legacy AggregatingMergeTree, read with the trace server's GROUP BY merge.</summary>
    CallsMerged,

    /// <summary>The joined table CallJoin writes, read with FINAL.</summary>
    CallsComplete,
}
