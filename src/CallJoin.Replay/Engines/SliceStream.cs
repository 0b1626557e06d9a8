namespace CallJoin.Replay.Engines;

/// <summary>A write-only stream into the current batch's <see cref="LaneSlice"/>: where a lane's JSONL output goes.</summary>
internal sealed class SliceStream : Stream
{
    public LaneSlice? Target { get; set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer) =>
        (Target ?? throw new InvalidOperationException("No batch to write to.")).Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
