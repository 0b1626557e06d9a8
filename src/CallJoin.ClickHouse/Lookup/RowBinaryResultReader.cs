using System.Buffers.Binary;

namespace CallJoin.ClickHouse.Lookup;

/// <summary>
/// Reads a <c>FORMAT RowBinary</c> response as it streams in: fixed-width integers little-endian, strings with a LEB128
/// length. Holds at most its buffer plus the largest single value, however long the response.
/// </summary>
/// <remarks>
/// A string is returned as a slice of the buffer, valid until the next read. A body that ends inside a value raises
/// <see cref="EndOfStreamException"/> (an <see cref="IOException"/>: a cut-off response, worth retrying).
/// Not thread-safe.
/// </remarks>
internal sealed class RowBinaryResultReader(Stream stream)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Whether another row follows (false at the end of the body).</summary>
    public async ValueTask<bool> HasMoreAsync(CancellationToken ct) =>
        _end > _start || await FillAsync(1, throwAtEnd: false, ct).ConfigureAwait(false);

    public async ValueTask<long> ReadInt64Async(CancellationToken ct)
    {
        await EnsureAsync(8, ct).ConfigureAwait(false);
        var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(_start, 8));
        _start += 8;
        return value;
    }

    public async ValueTask<ulong> ReadUInt64Async(CancellationToken ct) => unchecked((ulong)await ReadInt64Async(ct).ConfigureAwait(false));

    public async ValueTask<int> ReadInt32Async(CancellationToken ct)
    {
        await EnsureAsync(4, ct).ConfigureAwait(false);
        var value = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start, 4));
        _start += 4;
        return value;
    }

    /// <summary>A LEB128 length (of a string or an array).</summary>
    public async ValueTask<int> ReadLengthAsync(CancellationToken ct)
    {
        ulong length = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            await EnsureAsync(1, ct).ConfigureAwait(false);
            var b = _buffer[_start++];
            length |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return length <= (ulong)Array.MaxLength
                    ? (int)length
                    : throw new InvalidDataException($"A RowBinary length of {length} exceeds what a .NET array can hold.");
            }
        }

        throw new InvalidDataException("A RowBinary length runs past ten bytes.");
    }

    /// <summary>A string's bytes, valid until the next read.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadStringAsync(CancellationToken ct)
    {
        var length = await ReadLengthAsync(ct).ConfigureAwait(false);
        await EnsureAsync(length, ct).ConfigureAwait(false);
        var value = _buffer.AsMemory(_start, length);
        _start += length;
        return value;
    }

    private async ValueTask EnsureAsync(int count, CancellationToken ct)
    {
        if (_end - _start < count)
        {
            await FillAsync(count, throwAtEnd: true, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads until <paramref name="count"/> bytes are buffered; false (or throws) when the body ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, bool throwAtEnd, CancellationToken ct)
    {
        var buffered = _end - _start;
        if (_buffer.Length < count)
        {
            var larger = new byte[Math.Max(count, (int)Math.Min((long)_buffer.Length * 2, Array.MaxLength))];
            _buffer.AsSpan(_start, buffered).CopyTo(larger);
            _buffer = larger;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, buffered).CopyTo(_buffer);
        }

        (_start, _end) = (0, buffered);
        while (_end < count)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (read == 0)
            {
                return throwAtEnd
                    ? throw new EndOfStreamException($"The ClickHouse response ended inside a value ({_end} of {count} bytes).")
                    : false;
            }

            _end += read;
        }

        return true;
    }
}
