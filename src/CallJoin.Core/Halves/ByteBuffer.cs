namespace CallJoin.Core.Halves;

/// <summary>A growable byte buffer that keeps its array across uses, so steady-state writes allocate nothing.</summary>
internal sealed class ByteBuffer(int capacity = 64)
{
    private byte[] _data = new byte[capacity];
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _data.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public void Truncate(int length) => _length = length;

    public void Set(ReadOnlySpan<byte> value)
    {
        _length = 0;
        Append(value);
    }

    public void Append(byte value)
    {
        if (_length == _data.Length)
        {
            Grow(1);
        }

        _data[_length++] = value;
    }

    public void Append(ReadOnlySpan<byte> value)
    {
        if (_data.Length - _length < value.Length)
        {
            Grow(value.Length);
        }

        value.CopyTo(_data.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>Room for at least <paramref name="size"/> more bytes; commit what was written with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_data.Length - _length < size)
        {
            Grow(size);
        }

        return _data.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    private void Grow(int needed)
    {
        long wanted = Math.Max((long)_data.Length * 2, (long)_length + needed);
        var size = (int)Math.Min(wanted, Array.MaxLength);
        if (size - _length < needed)
        {
            throw new InvalidOperationException("A row field exceeds the largest array .NET can allocate.");
        }

        Array.Resize(ref _data, size);
    }
}
