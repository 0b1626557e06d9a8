using System.Diagnostics;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>Records in and rows out of a running topology, with when the first record came and the last row left.</summary>
/// <remarks>Updated from Streamiz's threads, read from any.</remarks>
internal sealed class StreamizCounters(Action<byte[], byte[]>? onRow)
{
    private long _records;
    private long _rows;
    private long _firstRecordAt;
    private long _lastRowAt;

    /// <summary>Input records seen so far.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Rows joined so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>From the first input record to the last row so far; zero before both.</summary>
    public TimeSpan Busy
    {
        get
        {
            var first = Interlocked.Read(ref _firstRecordAt);
            var last = Interlocked.Read(ref _lastRowAt);
            return first == 0 || last < first ? TimeSpan.Zero : Stopwatch.GetElapsedTime(first, last);
        }
    }

    /// <summary>Counts one input record.</summary>
    public void RecordIn()
    {
        if (Interlocked.Increment(ref _records) == 1)
        {
            Interlocked.Exchange(ref _firstRecordAt, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Counts one row and hands it on.</summary>
    public void RowOut(byte[] key, byte[] row)
    {
        Interlocked.Increment(ref _rows);
        Interlocked.Exchange(ref _lastRowAt, Stopwatch.GetTimestamp());
        onRow?.Invoke(key, row);
    }
}
