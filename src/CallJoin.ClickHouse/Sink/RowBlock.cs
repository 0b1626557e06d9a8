using System.Buffers;
using CallJoin.Core.Bytes;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// RowBinary rows of one table in one pooled, growable buffer, with where each row starts, where it came from and its
/// partition month, so a rejected block can be split on row boundaries without copying and a block spanning too many
/// months can be regrouped.
/// </summary>
/// <remarks>
/// Not thread-safe: written by the producer until sealed, then read by one sender. Reused after its ack, buffer
/// included. The buffer starts at 64 KiB and doubles up to <paramref name="capacityCap"/> (the batch size limit plus
/// slack), so a batch holds little more memory than its rows (a power-of-two pool would hold up to twice as much).
/// </remarks>
internal sealed class RowBlock(int capacityCap) : IBufferWriter<byte>
{
    private readonly ByteBuffer _bytes = new(64 * 1024, growthLimit: capacityCap);
    private int[] _starts = new int[64];
    private RowOrigin[] _origins = new RowOrigin[64];
    private int[] _months = new int[64];
    private int _firstMonth = int.MaxValue;
    private int _lastMonth = int.MinValue;

    public int Count { get; private set; }

    public int Written => _bytes.Length;

    public bool IsEmpty => Count == 0;

    /// <summary>How many months lie between the earliest and the latest row's partition month, both included (0 when empty).</summary>
    public long MonthSpan => IsEmpty ? 0 : (long)_lastMonth - _firstMonth + 1;

    /// <summary>Records that a row of partition <paramref name="month"/> (<see cref="PartitionMonth"/>) was appended from <paramref name="start"/> to the current end.</summary>
    public void EndRow(int start, RowOrigin origin, int month)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _origins, Count * 2);
            Array.Resize(ref _months, Count * 2);
        }

        _starts[Count] = start;
        _origins[Count] = origin;
        _months[Count] = month;
        _firstMonth = Math.Min(_firstMonth, month);
        _lastMonth = Math.Max(_lastMonth, month);
        Count++;
    }

    /// <summary>Appends a copy of row <paramref name="row"/> of <paramref name="source"/>.</summary>
    public void CopyRow(RowBlock source, int row)
    {
        var start = _bytes.Length;
        _bytes.Append(source.Rows(row, row + 1).Span);
        EndRow(start, source.Origin(row), source.Month(row));
    }

    /// <summary>Rows <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), as one contiguous block.</summary>
    public ReadOnlyMemory<byte> Rows(int from, int to)
    {
        if (from >= to)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var start = _starts[from];
        var end = to == Count ? _bytes.Length : _starts[to];
        return _bytes.WrittenMemory[start..end];
    }

    public RowOrigin Origin(int row) => _origins[row];

    public int Month(int row) => _months[row];

    public void Clear()
    {
        _bytes.Clear();
        Count = 0;
        _firstMonth = int.MaxValue;
        _lastMonth = int.MinValue;
    }

    /// <summary>Drops the buffer.</summary>
    public void Release()
    {
        Clear();
        _bytes.Release();
    }

    public void Advance(int count) => _bytes.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => _bytes.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _bytes.GetSpan(sizeHint);
}

/// <summary>Where a row or record came from: its Kafka side and position, and its time (for the error table).</summary>
internal readonly record struct RowOrigin(CallSide Side, SourcePosition Position, long Millis);
