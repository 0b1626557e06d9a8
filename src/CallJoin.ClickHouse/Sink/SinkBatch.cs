namespace CallJoin.ClickHouse.Sink;

/// <summary>One batch: rows for calls_complete, error records, and the marks to acknowledge once both are durable.</summary>
/// <remarks>Reused through the sink's pool; owned by the producer until sealed, then by one sender, then by the ack.</remarks>
internal sealed class SinkBatch(int maxBatchBytes)
{
    private RowBlock? _regrouped;

    /// <summary>Room past the size limit for the row that crosses it, so that row does not force a copy.</summary>
    private const int Slack = 4 * 1024 * 1024;

    public RowBlock Calls { get; } = new((int)Math.Min((long)maxBatchBytes + Slack, Array.MaxLength));

    public RowBlock Errors { get; } = new((int)Math.Min((long)maxBatchBytes + Slack, Array.MaxLength));

    /// <summary>Error records for rows ClickHouse refused, built while the batch is delivered.</summary>
    public RowBlock Rejected { get; } = new(Slack);

    /// <summary>
    /// Rows of <see cref="Calls"/>, <see cref="Errors"/> or <see cref="Rejected"/> regrouped by month, one insert's worth
    /// at a time, when a block spans more months than one insert may (rare: allocated on first use).
    /// </summary>
    public RowBlock Regrouped => _regrouped ??= new RowBlock((int)Math.Min((long)maxBatchBytes + Slack, Array.MaxLength));

    public List<IDurabilityMark> Marks { get; } = [];

    /// <summary>Error records ClickHouse refused while this batch was delivered (dropped).</summary>
    public int DroppedErrorRecords { get; set; }

    /// <summary>The first refusal met while this batch was delivered, for the log.</summary>
    public global::ClickHouse.Driver.ClickHouseServerException? FirstRefusal { get; set; }

    public long Sequence { get; set; }

    /// <summary>When the batch was sealed (<see cref="TimeProvider.GetTimestamp"/>), for the ack's latency.</summary>
    public long SealedAt { get; set; }

    /// <summary>The bytes counted against the sink's buffer limit.</summary>
    public long AccountedBytes { get; set; }

    public int RowCount => Calls.Count + Errors.Count;

    public int Bytes => Calls.Written + Errors.Written;

    public bool IsEmpty => RowCount == 0 && Marks.Count == 0;

    public void Clear()
    {
        Calls.Clear();
        Errors.Clear();
        Rejected.Clear();
        _regrouped?.Clear();
        Marks.Clear();
        AccountedBytes = 0;
        DroppedErrorRecords = 0;
        FirstRefusal = null;
    }

    public void Release()
    {
        Clear();
        Calls.Release();
        Errors.Release();
        Rejected.Release();
        _regrouped?.Release();
    }
}
