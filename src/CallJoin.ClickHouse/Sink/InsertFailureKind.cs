namespace CallJoin.ClickHouse.Sink;

/// <summary>What the sink does about a failed insert (see <see cref="ClickHouseSink.Classify"/>).</summary>
public enum InsertFailureKind
{
    /// <summary>Send the same bytes again with the same token after a backoff: the failure is not about the rows.</summary>
    Transient,

    /// <summary>ClickHouse refused these rows: bisect the block; a single row still refused goes to the error table.</summary>
    Refused,

    /// <summary>Retrying cannot help and the rows are not to blame (a bug, a wrong table or grant): stop the sink.</summary>
    Fatal,
}
