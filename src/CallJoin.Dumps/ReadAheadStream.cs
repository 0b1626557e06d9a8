using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace CallJoin.Dumps;

/// <summary>
/// Reads an inner stream on a background thread, a few chunks ahead of the consumer: for gzip dumps, decompression
/// then runs beside the parsing instead of before it.
/// </summary>
/// <remarks>Sequential reads by one consumer thread. An error of the inner stream is rethrown by the read that reaches it.</remarks>
internal sealed class ReadAheadStream : Stream
{
    private const int ChunkBytes = 1 << 20;
    private const int Depth = 4;

    private readonly Stream _inner;
    private readonly BlockingCollection<Chunk> _ready = new(Depth);
    private readonly BlockingCollection<byte[]> _free = new(Depth + 2);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _pump;
    private Chunk _current;
    private int _position;
    private bool _ended;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        for (var i = 0; i < Depth + 2; i++)
        {
            _free.Add(new byte[ChunkBytes]);
        }

        _pump = new Thread(Pump) { IsBackground = true, Name = "calljoin-dump-read" };
        _pump.Start();
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (!_ended && (_current.Buffer is null || _position == _current.Length))
        {
            if (_current.Buffer is not null)
            {
                _free.Add(_current.Buffer);
            }

            _current = _ready.Take();
            _position = 0;
            if (_current.Error is not null)
            {
                _ended = true;
                _current.Error.Throw();
            }

            _ended = _current.Length == 0;
        }

        if (_ended)
        {
            return 0;
        }

        var n = Math.Min(buffer.Length, _current.Length - _position);
        _current.Buffer.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            _pump.Join();
            _inner.Dispose();
            _stop.Dispose();
            _ready.Dispose();
            _free.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Pump()
    {
        try
        {
            while (true)
            {
                var buffer = _free.Take(_stop.Token);
                var length = 0;
                while (length < buffer.Length && _inner.Read(buffer, length, buffer.Length - length) is var n and > 0)
                {
                    length += n;
                }

                _ready.Add(new Chunk(buffer, length, null), _stop.Token);
                if (length == 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed before the end.
        }
#pragma warning disable CA1031 // Handed to the reader, which reports it as a malformed end of the dump.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            try
            {
                _ready.Add(new Chunk(null!, 0, ExceptionDispatchInfo.Capture(ex)), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Disposed meanwhile.
            }
        }
    }

    private readonly record struct Chunk(byte[] Buffer, int Length, ExceptionDispatchInfo? Error);
}
