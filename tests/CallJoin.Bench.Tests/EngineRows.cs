using System.Buffers;
using System.Text;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Bench.Tests;

/// <summary>Our engine's complete rows, RowBinary-encoded as its ClickHouse sink sends them, by call id.</summary>
internal sealed class EngineRows : IJoinOutput
{
    public Dictionary<string, byte[]> Complete { get; } = new(StringComparer.Ordinal);

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        if (!sources.Complete)
        {
            return;
        }

        var encoded = new ArrayBufferWriter<byte>();
        CallRowEncoder.Write(encoded, row, createdAtMillis);
        Complete.Add(Encoding.UTF8.GetString(row.Id), encoded.WrittenSpan.ToArray());
    }

    public void OnError(in JoinError error)
    {
    }

    public void OnReleased(CallSide side, SourcePosition position)
    {
    }
}
