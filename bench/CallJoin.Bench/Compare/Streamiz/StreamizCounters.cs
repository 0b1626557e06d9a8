namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>Records in and rows out of a running topology, updated from Streamiz's threads.</summary>
internal sealed class StreamizCounters(Action<byte[], byte[]>? onRow)
{
    private long _records;
    private long _rows;

    /// <summary>Input records seen so far.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Rows joined so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Counts one input record.</summary>
    public void RecordIn() => Interlocked.Increment(ref _records);

    /// <summary>Counts one row and hands it on.</summary>
    public void RowOut(byte[] key, byte[] row)
    {
        Interlocked.Increment(ref _rows);
        onRow?.Invoke(key, row);
    }
}
