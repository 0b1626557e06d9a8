using System.Buffers;

namespace CallJoin.State;

/// <summary>
/// A growable byte buffer on the pinned object heap, so FASTER can be handed a <c>SpanByte</c> over it without a
/// <c>fixed</c> block; reused across operations, it allocates only when a value outgrows it.
/// </summary>
internal sealed class PinnedValueBuffer : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _written;

    public PinnedValueBuffer(int initialCapacity) =>
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(initialCapacity, 256), pinned: true);

    /// <summary>The bytes written since the last <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public int WrittenCount => _written;

    public void Reset() => _written = 0;

    /// <summary>Replaces the contents with <paramref name="source"/>.</summary>
    public void CopyFrom(ReadOnlySpan<byte> source)
    {
        _written = 0;
        source.CopyTo(GetSpan(source.Length));
        _written = source.Length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length - _written)
        {
            return;
        }

        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_written + needed));
        var grown = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }
}
