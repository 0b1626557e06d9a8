using System.Buffers;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>
/// The Streamiz join's value joiner: a start and its end into the calls_complete row our engine writes, encoded as
/// RowBinary exactly as our ClickHouse sink sends it (<see cref="CallRowBuilder"/>, <see cref="RowVersion.Complete"/>,
/// <see cref="CallRowEncoder"/>), so both contenders do the same work per row.
/// </summary>
/// <remarks>Thread-safe: Streamiz may call it from any stream thread; the builder is reused under a lock.</remarks>
internal sealed class CallRowJoiner
{
    private readonly Lock _lock = new();
    private readonly CallRowBuilder _builder;
    private readonly CallRowData _row = new();
    private readonly ArrayBufferWriter<byte> _encoded = new(4096);
    private long _failed;

    public CallRowJoiner(int maxDumpBytes) => _builder = new CallRowBuilder(maxDumpBytes);

    /// <summary>Pairs whose halves could not make a row (malformed, or ids that differ); they yield an empty value.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The row for <paramref name="start"/> and <paramref name="end"/>, or an empty array when they make none.</summary>
    public byte[] Join(byte[] start, byte[] end)
    {
        lock (_lock)
        {
            if (_builder.Build(start, end, _row) != HalfParseStatus.Ok)
            {
                Interlocked.Increment(ref _failed);
                return [];
            }

            _encoded.ResetWrittenCount();
            CallRowEncoder.Write(_encoded, _row, RowVersion.Complete(_row));
            return _encoded.WrittenSpan.ToArray();
        }
    }
}
