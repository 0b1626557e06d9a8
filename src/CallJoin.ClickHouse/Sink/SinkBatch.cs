namespace CallJoin.ClickHouse.Sink;

/// <summary>One batch: rows for calls_complete, error records, and the checkpoints to acknowledge once both are durable.</summary>
/// <remarks>Reused through the sink's pool; owned by the producer until sealed, then by one sender, then by the ack.</remarks>
internal sealed class SinkBatch(int maxBatchBytes)
{
    /// <summary>Room past the size limit for the row that crosses it, so that row does not force a copy.</summary>
    private const int Slack = 4 * 1024 * 1024;

    public RowBlock Calls { get; } = new((int)Math.Min((long)maxBatchBytes + Slack, Array.MaxLength));

    public RowBlock Errors { get; } = new((int)Math.Min((long)maxBatchBytes + Slack, Array.MaxLength));

    /// <summary>Error records for rows ClickHouse refused, built while the batch is delivered.</summary>
    public RowBlock Rejected { get; } = new(Slack);

    public List<object> Checkpoints { get; } = [];

    public long Sequence { get; set; }

    /// <summary>When the batch was sealed (<see cref="TimeProvider.GetTimestamp"/>), for the ack's latency.</summary>
    public long SealedAt { get; set; }

    /// <summary>The bytes counted against the sink's buffer limit.</summary>
    public long AccountedBytes { get; set; }

    public int RowCount => Calls.Count + Errors.Count;

    public int Bytes => Calls.Written + Errors.Written;

    public bool IsEmpty => RowCount == 0 && Checkpoints.Count == 0;

    public void Clear()
    {
        Calls.Clear();
        Errors.Clear();
        Rejected.Clear();
        Checkpoints.Clear();
        AccountedBytes = 0;
    }

    public void Release()
    {
        Clear();
        Calls.Release();
        Errors.Release();
        Rejected.Release();
    }
}
