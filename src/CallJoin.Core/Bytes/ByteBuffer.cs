using System.Buffers;

namespace CallJoin.Core.Bytes;

/// <summary>A growable byte buffer that keeps its array across uses, so steady-state writes allocate nothing.</summary>
/// <remarks>
/// Not thread-safe. The array is allocated on first write, at least <c>capacity</c> bytes, and doubles as it fills (to
/// no more than the growth limit, unless one write needs more); <c>pinned</c> puts it on the pinned object heap, so a
/// pointer to it stays valid without a <c>fixed</c> block. <see cref="Release"/> drops it.
/// </remarks>
/// <param name="capacity">The size of the first array.</param>
/// <param name="pinned">Allocate on the pinned object heap.</param>
/// <param name="growthLimit">How large doubling may make the array; a single larger write still gets room.</param>
public sealed class ByteBuffer(int capacity = 64, bool pinned = false, int growthLimit = int.MaxValue) : IBufferWriter<byte>
{
    private byte[] _data = [];
    private int _length;

    /// <summary>How many bytes are written.</summary>
    public int Length => _length;

    /// <summary>The bytes written since the last <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Written => _data.AsSpan(0, _length);

    /// <summary>The bytes written since the last <see cref="Clear"/>, valid until the buffer grows or is cleared.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _data.AsMemory(0, _length);

    /// <summary>Forgets what was written; the array is kept.</summary>
    public void Clear() => _length = 0;

    /// <summary>Forgets what was written and drops the array (the next write allocates again).</summary>
    public void Release() => (_data, _length) = ([], 0);

    /// <summary>Keeps only the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _length = length;

    /// <summary>Replaces the contents with <paramref name="value"/>.</summary>
    public void Set(ReadOnlySpan<byte> value)
    {
        _length = 0;
        Append(value);
    }

    /// <summary>Appends one byte.</summary>
    public void Append(byte value)
    {
        if (_length == _data.Length)
        {
            Grow(1);
        }

        _data[_length++] = value;
    }

    /// <summary>Appends <paramref name="value"/>.</summary>
    public void Append(ReadOnlySpan<byte> value)
    {
        if (_data.Length - _length < value.Length)
        {
            Grow(value.Length);
        }

        value.CopyTo(_data.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>Room for at least <paramref name="sizeHint"/> more bytes (at least one); commit what was written with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _data.AsSpan(_length);
    }

    /// <summary>As <see cref="GetSpan"/>, as memory.</summary>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _data.AsMemory(_length);
    }

    /// <summary>Commits <paramref name="count"/> bytes written to the span or memory last handed out.</summary>
    public void Advance(int count) => _length += count;

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_data.Length - _length < needed)
        {
            Grow(needed);
        }
    }

    private void Grow(int needed)
    {
        long doubled = Math.Min(Math.Max((long)_data.Length * 2, capacity), growthLimit);
        long size = Math.Max(doubled, (long)_length + needed);
        if (size > Array.MaxLength)
        {
            size = Array.MaxLength;
            if (size - _length < needed)
            {
                throw new InvalidOperationException("A value exceeds the largest array .NET can allocate.");
            }
        }

        var grown = GC.AllocateUninitializedArray<byte>((int)size, pinned);
        _data.AsSpan(0, _length).CopyTo(grown);
        _data = grown;
    }
}
