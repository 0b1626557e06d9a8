using System.Buffers;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// RowBinary rows of one table in one pooled, growable buffer, with where each row starts and where it came from,
/// so a rejected block can be split on row boundaries without copying.
/// </summary>
/// <remarks>
/// Not thread-safe: written by the producer until sealed, then read by one sender. Reused after its ack, buffer
/// included. The buffer doubles up to <paramref name="capacityCap"/> (the batch size limit plus slack), so a batch
/// holds little more memory than its rows (a power-of-two pool would hold up to twice as much).
/// </remarks>
internal sealed class RowBlock(int capacityCap) : IBufferWriter<byte>
{
    private byte[] _buffer = [];
    private int _written;
    private int[] _starts = new int[64];
    private RowOrigin[] _origins = new RowOrigin[64];

    public int Count { get; private set; }

    public int Written => _written;

    public bool IsEmpty => Count == 0;

    /// <summary>Records that a row was appended from <paramref name="start"/> to the current end.</summary>
    public void EndRow(int start, RowOrigin origin)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _origins, Count * 2);
        }

        _starts[Count] = start;
        _origins[Count] = origin;
        Count++;
    }

    /// <summary>Rows <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), as one contiguous block.</summary>
    public ReadOnlyMemory<byte> Rows(int from, int to)
    {
        if (from >= to)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var start = _starts[from];
        var end = to == Count ? _written : _starts[to];
        return _buffer.AsMemory(start, end - start);
    }

    public RowOrigin Origin(int row) => _origins[row];

    public void Clear()
    {
        _written = 0;
        Count = 0;
    }

    /// <summary>Drops the buffer.</summary>
    public void Release()
    {
        Clear();
        _buffer = [];
    }

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        var need = _written + Math.Max(sizeHint, 1);
        if (need <= _buffer.Length)
        {
            return;
        }

        var doubled = Math.Min(Math.Max(64 * 1024, (long)_buffer.Length * 2), capacityCap);
        var grown = GC.AllocateUninitializedArray<byte>((int)Math.Max(need, doubled));
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }
}

/// <summary>Where a row or record came from: its Kafka side and position, and its time (for the error table).</summary>
internal readonly record struct RowOrigin(CallSide Side, SourcePosition Position, long Millis);
