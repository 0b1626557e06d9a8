using System.IO.Compression;

namespace CallJoin.Dumps;

/// <summary>Reads a topic dump in <c>kcat -C -J</c> line format, plain or gzip, one record per <see cref="Read"/>.</summary>
/// <remarks>
/// <para>
/// Streams the input through one reused buffer (1 MiB by default, grown to fit a longer line, up to 1 GiB) and allocates
/// nothing per record in the steady state (header values aside, which become new strings): the current record's strings
/// come from a small cache and its key and payload are spans into the line buffer (or, when they contain escapes, into a
/// reused decode buffer). They are valid until the next <see cref="Read"/>. Lines shaped as kcat writes them take a fast
/// path (one vectorized pass per string); any other valid JSON line is parsed with <see cref="System.Text.Json.Utf8JsonReader"/>.
/// </para>
/// <para>
/// Accepts anything kcat writes: keys in any order; <c>tstype</c>, <c>ts</c>, <c>broker</c> and <c>headers</c> optional
/// (older kcat builds leave out <c>broker</c>, every build leaves out <c>headers</c> when a message has none, and
/// <c>tstype</c>/<c>ts</c> when it has no timestamp); <c>headers</c> as kcat's flat array of alternating names and values
/// or as a map of name to array of values; extra fields (<c>key_error</c>, <c>payload_error</c>, <c>key_schema_id</c>,
/// <c>value_schema_id</c>) ignored. A key or payload that is JSON but not a string (kcat's Avro decoding writes an object)
/// is given as its JSON text. Blank lines are skipped; <c>\r\n</c> line ends are accepted.
/// </para>
/// <para>
/// Invalid UTF-8: kcat writes key and payload bytes unchanged into the JSON string, valid UTF-8 or not (yajl is not asked
/// to validate), so a binary message makes a line that strict JSON parsers reject. This reader accepts such a line and
/// gives the bytes back unchanged. Escaped text is decoded to UTF-8, with a lone <c>\uD800</c>-style surrogate becoming
/// U+FFFD. Header values are decoded to strings, so invalid UTF-8 in them becomes U+FFFD.
/// </para>
/// <para>
/// Bad input never throws out of <see cref="Read"/>: a line that is not a valid record gives
/// <see cref="DumpReadResult.Malformed"/> with <see cref="Error"/>, and reading continues with the next line. A stream that
/// cannot be read further (corrupt gzip) gives one Malformed result, then <see cref="DumpReadResult.End"/>. A gzip stream cut
/// short reads as a clean end in .NET's <see cref="GZipStream"/>; it is caught when the cut falls inside a line (almost
/// always), since the unfinished last line is then reported as Malformed ("ends in the middle of this line"); a cut exactly
/// at a line end reads as a shorter dump. Not thread-safe.
/// </para>
/// </remarks>
public sealed partial class DumpReader : IDisposable
{
    /// <summary>The default read buffer size (1 MiB).</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>The longest line accepted (1 GiB); a longer one is skipped as Malformed.</summary>
    public const int MaxLineBytes = 1 << 30;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private byte[] _buffer;
    private int _start;
    private int _scan;
    private int _end;
    private bool _eof;
    private bool _skipping;
    private bool _finished;
    private bool _disposed;
    private string? _readError;

    /// <summary>Reads from <paramref name="stream"/>: gzip when it starts with the gzip magic bytes (1f 8b), plain otherwise.</summary>
    /// <param name="stream">The dump; read sequentially from its current position.</param>
    /// <param name="name">The file path or another name for messages.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open when the reader is disposed.</param>
    /// <param name="bufferSize">The initial read buffer size; lines longer than it grow the buffer.</param>
    /// <exception cref="IOException">The first bytes could not be read.</exception>
    public DumpReader(Stream stream, string name, bool leaveOpen = false, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bufferSize, MaxLineBytes);
        Name = name;
        _buffer = new byte[bufferSize];

        var magic = new byte[2];
        var sniffed = 0;
        while (sniffed < magic.Length && stream.Read(magic, sniffed, magic.Length - sniffed) is var n and > 0)
        {
            sniffed += n;
        }

        if (sniffed == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            IsGzip = true;
            _stream = new ReadAheadStream(new GZipStream(new PrefixedStream(magic, stream, leaveOpen), CompressionMode.Decompress));
            _ownsStream = true;
        }
        else
        {
            magic.AsSpan(0, sniffed).CopyTo(_buffer);
            _end = sniffed;
            _stream = stream;
            _ownsStream = !leaveOpen;
        }
    }

    /// <summary>The file path or the name given, for messages.</summary>
    public string Name { get; }

    /// <summary>Whether the input is gzip (detected by its magic bytes, not by the file name).</summary>
    public bool IsGzip { get; }

    /// <summary>The 1-based line of the current record or malformed line.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Why the current line is malformed, naming the dump and the line; null after a record.</summary>
    public string? Error { get; private set; }

    /// <summary>Malformed lines met so far.</summary>
    public long MalformedLines { get; private set; }

    /// <summary>Records read so far.</summary>
    public long Records { get; private set; }

    /// <summary>Opens the dump at <paramref name="path"/>; gzip is detected by its magic bytes, not by the extension.</summary>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static DumpReader Open(string path, int bufferSize = DefaultBufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        try
        {
            return new DumpReader(file, path, leaveOpen: false, bufferSize);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next record; skips blank lines.</summary>
    /// <returns><see cref="DumpReadResult.Record"/> with the record's fields set, <see cref="DumpReadResult.Malformed"/>
    /// with <see cref="Error"/> set, or <see cref="DumpReadResult.End"/> (and End again on every later call).</returns>
    public DumpReadResult Read()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!_finished)
        {
            var status = NextLine(out var start, out var length, out var terminated);
            switch (status)
            {
                case LineStatus.End:
                    _finished = true;
                    ClearRecord();
                    Error = null;
                    return DumpReadResult.End;
                case LineStatus.ReadFailed:
                    _finished = true;
                    LineNumber++;
                    return Malformed(IsGzip
                        ? $"the gzip stream is corrupt, cannot read further: {_readError}"
                        : $"cannot read further: {_readError}");
                case LineStatus.TooLong:
                    LineNumber++;
                    return Malformed($"the line is longer than {MaxLineBytes} bytes");
            }

            LineNumber++;
            if (_buffer.AsSpan(start, length).IndexOfAnyExcept(" \t\r"u8) < 0)
            {
                continue;
            }

            if (TryParse(start, length, out var reason))
            {
                Error = null;
                Records++;
                return DumpReadResult.Record;
            }

            return Malformed(terminated ? reason : $"the dump ends in the middle of this line (truncated?): {reason}");
        }

        return DumpReadResult.End;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private DumpReadResult Malformed(string reason)
    {
        ClearRecord();
        MalformedLines++;
        Error = $"{Name}, line {LineNumber}: {reason}";
        return DumpReadResult.Malformed;
    }

    /// <summary>Finds the next line in the buffer, reading (and compacting or growing the buffer) as needed.</summary>
    private LineStatus NextLine(out int start, out int length, out bool terminated)
    {
        start = length = 0;
        terminated = false;
        while (true)
        {
            var newline = _buffer.AsSpan(_scan, _end - _scan).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var at = _scan + newline;
                start = _start;
                length = at - _start;
                _start = _scan = at + 1;
                terminated = true;
                if (_skipping)
                {
                    _skipping = false;
                    return LineStatus.TooLong;
                }

                return LineStatus.Line;
            }

            _scan = _end;
            if (_eof)
            {
                if (_skipping)
                {
                    _skipping = false;
                    _start = _end;
                    return LineStatus.TooLong;
                }

                if (_start == _end)
                {
                    return _readError is null ? LineStatus.End : LineStatus.ReadFailed;
                }

                start = _start;
                length = _end - _start;
                _start = _end;
                if (_readError is not null)
                {
                    return LineStatus.ReadFailed;   // the unfinished line is lost with the stream
                }

                return LineStatus.Line;
            }

            MakeRoom();
            try
            {
                var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                {
                    _eof = true;
                }

                _end += read;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException)
            {
                _eof = true;
                _readError = ex.Message;
            }
        }
    }

    /// <summary>Moves the unfinished line to the front; grows the buffer when the line fills it (or starts skipping it).</summary>
    private void MakeRoom()
    {
        if (_skipping)
        {
            _start = _scan = _end = 0;
            return;
        }

        if (_start > 0)
        {
            var pending = _end - _start;
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _scan -= _start;
            _end = pending;
            _start = 0;
        }

        if (_end < _buffer.Length)
        {
            return;
        }

        if (_buffer.Length >= MaxLineBytes)
        {
            _skipping = true;
            _start = _scan = _end = 0;
            return;
        }

        var grown = new byte[(int)Math.Min((long)_buffer.Length * 2, MaxLineBytes)];
        _buffer.AsSpan(0, _end).CopyTo(grown);
        _buffer = grown;
    }

    private enum LineStatus
    {
        Line,
        End,
        TooLong,
        ReadFailed,
    }
}
