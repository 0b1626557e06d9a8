using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace CallJoin.Core.Join;

public sealed partial class MatchedCalls
{
    /// <summary>"CJMC" read as a little-endian u32.</summary>
    private const uint FileMagic = 0x434D_4A43;
    private const ushort FileVersion = 1;
    private const int FileHeaderBytes = 36;
    private const int BucketHeaderBytes = 12;

    /// <summary>Saves the set (retention, bucket width, stream time and every held entry) for a state checkpoint.</summary>
    /// <remarks>
    /// Format, little-endian: magic "CJMC", version u16, reserved u16, retention i64 (ms), bucket width i64 (ms),
    /// stream time i64, bucket count i32; per non-empty bucket its number i64, entry count i32 and entries
    /// (fingerprint u64, start hash u32, end hash u32); then XxHash3 (u64) of every byte before it.
    /// </remarks>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new ChecksummedWriter(stream);
        var header = writer.Reserve(FileHeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, FileMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FileVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], _retention);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], _width);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], _now);
        BinaryPrimitives.WriteInt32LittleEndian(header[32..], _slots.Count(b => b.Count != 0));
        foreach (var bucket in _slots)
        {
            if (bucket.Count == 0)
            {
                continue;
            }

            var bucketHeader = writer.Reserve(BucketHeaderBytes);
            BinaryPrimitives.WriteInt64LittleEndian(bucketHeader, bucket.Number);
            BinaryPrimitives.WriteInt32LittleEndian(bucketHeader[8..], bucket.Count);
            foreach (var entry in bucket.Table)
            {
                if (entry.Fingerprint == 0)
                {
                    continue;
                }

                var bytes = writer.Reserve(EntryBytes);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, entry.Fingerprint);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], entry.StartHash);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[12..], entry.EndHash);
            }
        }

        writer.Finish();
    }

    /// <summary>Restores a set saved by <see cref="WriteTo"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is empty, truncated, of another version, or fails its checksum.</exception>
    public static MatchedCalls ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new ChecksummedReader(stream);
        var header = reader.Read(FileHeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != FileMagic)
        {
            throw Corrupt("it does not start with the matched-calls magic");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FileVersion)
        {
            throw Corrupt($"version {version} is not the supported {FileVersion}");
        }

        var retention = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        var width = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        var now = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        var buckets = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
        if (retention < 0 || width <= 0 || (retention / width) + 3 > MaxSlots / 4)
        {
            throw Corrupt($"retention {retention} ms or bucket width {width} ms is out of range");
        }

        var calls = new MatchedCalls(retention, width);
        calls.Advance(now);
        if (buckets < 0 || buckets > calls._slots.Length || (buckets > 0 && now == long.MinValue))
        {
            throw Corrupt($"{buckets} buckets do not fit a set of {calls._slots.Length} at stream time {now}");
        }

        for (int b = 0; b < buckets; b++)
        {
            var bucketHeader = reader.Read(BucketHeaderBytes);
            var number = BinaryPrimitives.ReadInt64LittleEndian(bucketHeader);
            var count = BinaryPrimitives.ReadInt32LittleEndian(bucketHeader[8..]);
            if (number < calls._oldest || (ulong)number - (ulong)calls._oldest >= (ulong)calls._slots.Length || count <= 0
                || calls._slots[number & calls._mask].Count != 0)
            {
                throw Corrupt($"bucket {number} with {count} entries is out of place");
            }

            var bucket = calls._slots[number & calls._mask];
            bucket.Number = number;
            for (int i = 0; i < count; i++)
            {
                // Inserted one by one, so a corrupt count cannot make us allocate more than the file holds.
                var entry = reader.Read(EntryBytes);
                var fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(entry);
                var capacityBefore = bucket.Table.Length;
                if (fingerprint == 0
                    || !bucket.Insert(fingerprint, BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]), BinaryPrimitives.ReadUInt32LittleEndian(entry[12..])))
                {
                    throw Corrupt($"bucket {number} holds an empty or repeated fingerprint");
                }

                calls._tableBytes += (long)(bucket.Table.Length - capacityBefore) * EntryBytes;
            }

            calls._count += count;
            calls._newest = Math.Max(calls._newest, number);
        }

        reader.VerifyChecksum();
        return calls;
    }

    private static InvalidDataException Corrupt(string why) => new($"The matched-calls file is corrupt or unreadable: {why}.");

    /// <summary>Buffers writes and hashes every byte, then appends the hash.</summary>
    private sealed class ChecksummedWriter(Stream stream) : IDisposable
    {
        private readonly XxHash3 _hash = new();
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _used;

        /// <summary>The next <paramref name="length"/> bytes of the output, to fill before the next call.</summary>
        public Span<byte> Reserve(int length)
        {
            if (_used + length > _buffer.Length)
            {
                Flush();
            }

            var span = _buffer.AsSpan(_used, length);
            _used += length;
            return span;
        }

        public void Finish()
        {
            Flush();
            Span<byte> checksum = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(checksum, _hash.GetCurrentHashAsUInt64());
            stream.Write(checksum);
            stream.Flush();
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        private void Flush()
        {
            _hash.Append(_buffer.AsSpan(0, _used));
            stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    /// <summary>
    /// Reads exact lengths through a buffer, hashing every byte read; a short stream is reported as corrupt, not as end
    /// of data. A seekable stream is left just after the checksum.
    /// </summary>
    private sealed class ChecksummedReader(Stream stream) : IDisposable
    {
        private readonly XxHash3 _hash = new();
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _start;
        private int _end;
        private int _hashedUpTo;
        private long _consumed;

        public ReadOnlySpan<byte> Read(int length)
        {
            Ensure(length);
            var span = _buffer.AsSpan(_start, length);
            _start += length;
            _consumed += length;
            return span;
        }

        public void VerifyChecksum()
        {
            _hash.Append(_buffer.AsSpan(_hashedUpTo, _start - _hashedUpTo));
            _hashedUpTo = _start;
            var expected = _hash.GetCurrentHashAsUInt64();
            var stored = BinaryPrimitives.ReadUInt64LittleEndian(Read(8));
            if (stored != expected)
            {
                throw Corrupt($"checksum {stored:x16} does not match the content's {expected:x16}");
            }

            if (stream.CanSeek && _end > _start)
            {
                stream.Seek(_start - _end, SeekOrigin.Current);
            }
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        private void Ensure(int length)
        {
            if (_end - _start >= length)
            {
                return;
            }

            // Hash what was consumed, then move the unread rest to the front and fill up behind it.
            _hash.Append(_buffer.AsSpan(_hashedUpTo, _start - _hashedUpTo));
            var rest = _end - _start;
            _buffer.AsSpan(_start, rest).CopyTo(_buffer);
            _start = 0;
            _hashedUpTo = 0;
            _end = rest + stream.ReadAtLeast(_buffer.AsSpan(rest), length - rest, throwOnEndOfStream: false);
            if (_end < length)
            {
                throw Corrupt(_consumed + _end == 0 ? "the stream is empty" : $"it ends after {_consumed + _end} bytes");
            }
        }
    }
}
