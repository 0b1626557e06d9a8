using System.Buffers.Text;
using System.IO.Compression;
using System.Text;
using CallJoin.Core.Bytes;

namespace CallJoin.Dumps;

/// <summary>Writes records as <c>kcat -C -J</c> lines, byte for byte as kcat writes them, to a plain or gzip stream.</summary>
/// <remarks>
/// <para>
/// A line is <c>{"topic":…,"partition":…,"offset":…,"tstype":…,"ts":…,"broker":…,"headers":[…],"key":…,"payload":…}</c>
/// and a newline, in that key order and without spaces. <c>tstype</c> and <c>ts</c> are left out when the timestamp type is
/// empty (kcat leaves them out when the message has no timestamp), and <c>headers</c> when there are none; <c>headers</c>
/// is a flat array of alternating names and values (a null value as <c>null</c>).
/// </para>
/// <para>
/// Strings are escaped as kcat's yajl does (<c>yajl_string_encode</c> with kcat's defaults: no UTF-8 validation, no
/// solidus escaping): only <see cref="JsonEscapes.MustEscape"/> bytes, as <see cref="JsonEscapes.WriteAsciiEscape"/>
/// writes them (<c>\r \n \\ \" \f \b \t</c> short, other control characters as <c>\u00XX</c> in uppercase hex); every
/// other byte, <c>/</c>, DEL, non-ASCII and even invalid UTF-8, passes through unchanged, as kcat writes it.
/// </para>
/// <para>
/// Not thread-safe. Buffers its output (64 KiB) and allocates nothing per record once each topic name has been seen. The
/// writer owns the stream unless <c>leaveOpen</c>; <see cref="Dispose"/> flushes.
/// </para>
/// </remarks>
public sealed class DumpWriter : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private const int MaxTopics = 16;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly string[] _topics = new string[MaxTopics];
    private readonly byte[][] _topicPrefixes = new byte[MaxTopics][];
    private int _topicCount;
    private int _topicReplace;
    private byte[] _utf8 = new byte[256];
    private int _length;
    private long _records;
    private long _bytes;
    private bool _disposed;

    /// <summary>Writes to <paramref name="stream"/> as is (wrap it in a <see cref="GZipStream"/> for gzip).</summary>
    public DumpWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Records written.</summary>
    public long Records => _records;

    /// <summary>Bytes of line text written (before compression).</summary>
    public long BytesWritten => _bytes + _length;

    /// <summary>Creates (or overwrites) <paramref name="path"/>; gzip when <paramref name="gzip"/> says so, or by default when the path ends in <c>.gz</c>.</summary>
    public static DumpWriter Create(string path, bool? gzip = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize);
        if (!(gzip ?? path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)))
        {
            return new DumpWriter(file);
        }

        try
        {
            return new DumpWriter(new GZipStream(file, CompressionLevel.Fastest));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes one record as a line.</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset in the partition.</param>
    /// <param name="timestampMillis">The message timestamp in Unix milliseconds (ignored when <paramref name="timestampType"/> is empty).</param>
    /// <param name="key">The key bytes (normally UTF-8).</param>
    /// <param name="hasKey">False for a null key (written as <c>null</c>).</param>
    /// <param name="payload">The value bytes (normally UTF-8).</param>
    /// <param name="hasPayload">False for a null value (a tombstone, written as <c>null</c>).</param>
    /// <param name="timestampType"><c>create</c>, <c>logappend</c>, <c>unknown</c>, or empty for no timestamp.</param>
    /// <param name="broker">The broker id the message came from, -1 if unknown.</param>
    /// <param name="headers">The headers in order, or null/empty for none.</param>
    public void Write(string topic, int partition, long offset, long timestampMillis, ReadOnlySpan<byte> key, bool hasKey,
        ReadOnlySpan<byte> payload, bool hasPayload, string timestampType = "create", int broker = -1,
        IReadOnlyList<KeyValuePair<string, string?>>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(timestampType);
        ObjectDisposedException.ThrowIf(_disposed, this);

        WriteRaw(TopicPrefix(topic));
        WriteInteger(partition);
        WriteRaw(",\"offset\":"u8);
        WriteInteger(offset);
        if (timestampType.Length != 0)
        {
            ReadOnlySpan<byte> known = timestampType switch
            {
                "create" => ",\"tstype\":\"create\",\"ts\":"u8,
                "logappend" => ",\"tstype\":\"logappend\",\"ts\":"u8,
                "unknown" => ",\"tstype\":\"unknown\",\"ts\":"u8,
                _ => default,
            };
            if (!known.IsEmpty)
            {
                WriteRaw(known);
            }
            else
            {
                WriteRaw(",\"tstype\":"u8);
                WriteString(timestampType);
                WriteRaw(",\"ts\":"u8);
            }

            WriteInteger(timestampMillis);
        }

        WriteRaw(",\"broker\":"u8);
        WriteInteger(broker);
        if (headers is { Count: > 0 })
        {
            WriteRaw(",\"headers\":["u8);
            for (var i = 0; i < headers.Count; i++)
            {
                if (i > 0)
                {
                    WriteRaw(","u8);
                }

                WriteString(headers[i].Key);
                WriteRaw(","u8);
                WriteString(headers[i].Value);
            }

            WriteRaw("]"u8);
        }

        WriteRaw(",\"key\":"u8);
        WriteBytes(key, hasKey);
        WriteRaw(",\"payload\":"u8);
        WriteBytes(payload, hasPayload);
        WriteRaw("}\n"u8);
        _records++;
    }

    /// <summary>Writes the current record of <paramref name="reader"/> (for filtering, merging or rewriting dumps).</summary>
    public void Write(DumpReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Write(reader.Topic, reader.Partition, reader.Offset, reader.TimestampMillis, reader.Key, reader.HasKey,
            reader.Payload, reader.HasPayload, reader.TimestampType, reader.Broker, reader.Headers);
    }

    /// <summary>Writes buffered lines to the stream and flushes it (a gzip stream then emits a sync flush).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushBuffer();
        _stream.Flush();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            FlushBuffer();
            if (_leaveOpen)
            {
                _stream.Flush();
            }
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private ReadOnlySpan<byte> TopicPrefix(string topic)
    {
        for (var i = 0; i < _topicCount; i++)
        {
            if (ReferenceEquals(_topics[i], topic) || string.Equals(_topics[i], topic, StringComparison.Ordinal))
            {
                return _topicPrefixes[i];
            }
        }

        // {"topic":"<escaped>","partition":  — built once per topic name.
        var utf8 = Encoding.UTF8.GetBytes(topic);
        var prefix = new List<byte>(utf8.Length + 32);
        prefix.AddRange("{\"topic\":\""u8);
        Span<byte> escape = stackalloc byte[6];
        foreach (var b in utf8)
        {
            if (JsonEscapes.MustEscape.Contains(b))
            {
                prefix.AddRange(escape[..JsonEscapes.WriteAsciiEscape(b, escape)]);
            }
            else
            {
                prefix.Add(b);
            }
        }

        prefix.AddRange("\",\"partition\":"u8);
        int slot;
        if (_topicCount < MaxTopics)
        {
            slot = _topicCount++;
        }
        else
        {
            slot = _topicReplace;
            _topicReplace = (_topicReplace + 1) % MaxTopics;
        }

        _topics[slot] = topic;
        _topicPrefixes[slot] = [.. prefix];
        return _topicPrefixes[slot];
    }

    private void WriteString(string? value)
    {
        if (value is null)
        {
            WriteRaw("null"u8);
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        var length = Encoding.UTF8.GetBytes(value, _utf8);
        WriteBytes(_utf8.AsSpan(0, length), hasValue: true);
    }

    private void WriteBytes(ReadOnlySpan<byte> value, bool hasValue)
    {
        if (!hasValue)
        {
            WriteRaw("null"u8);
            return;
        }

        WriteRaw("\""u8);
        while (!value.IsEmpty)
        {
            var special = value.IndexOfAny(JsonEscapes.MustEscape);
            if (special < 0)
            {
                WriteRaw(value);
                break;
            }

            WriteRaw(value[..special]);
            if (BufferSize - _length < 6)
            {
                FlushBuffer();
            }

            _length += JsonEscapes.WriteAsciiEscape(value[special], _buffer.AsSpan(_length));
            value = value[(special + 1)..];
        }

        WriteRaw("\""u8);
    }

    private void WriteInteger(long value)
    {
        if (BufferSize - _length < 20)
        {
            FlushBuffer();
        }

        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written);
        _length += written;
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var room = BufferSize - _length;
            if (bytes.Length <= room)
            {
                bytes.CopyTo(_buffer.AsSpan(_length));
                _length += bytes.Length;
                return;
            }

            bytes[..room].CopyTo(_buffer.AsSpan(_length));
            _length = BufferSize;
            bytes = bytes[room..];
            FlushBuffer();
        }
    }

    private void FlushBuffer()
    {
        if (_length == 0)
        {
            return;
        }

        _stream.Write(_buffer, 0, _length);
        _bytes += _length;
        _length = 0;
    }
}
