using System.Collections.Concurrent;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Kafka.Tests.Ingest;

/// <summary>An in-memory <see cref="IIngestHandler"/>: records every message and reports the chosen ones durable at once.</summary>
internal sealed class RecordingHandler(Func<CallSide, int, long, bool>? durable = null) : IIngestHandler
{
    private readonly Func<CallSide, int, long, bool> _durable = durable ?? ((_, _, _) => true);
    private volatile bool _stalled;
    private int _stallAfter = int.MaxValue;

    public ConcurrentQueue<Received> Messages { get; } = new();

    public ConcurrentQueue<int[]> Revoked { get; } = new();

    public bool IsBehind => _stalled || Messages.Count >= Volatile.Read(ref _stallAfter);

    /// <summary>Reports behind once <paramref name="count"/> messages have arrived, until <see cref="Unstall"/>.</summary>
    public void StallAfter(int count) => Volatile.Write(ref _stallAfter, count);

    public void Unstall()
    {
        _stalled = false;
        Volatile.Write(ref _stallAfter, int.MaxValue);
    }

    public void OnMessage(IIngestContext ingest, CallSide side, int partition, long offset, long timestampMillis, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Messages.Enqueue(new Received(side, partition, offset, value.ToArray(), key.ToArray()));
        if (_durable(side, partition, offset))
        {
            ingest.MarkDurable(side, [new SourcePosition(partition, offset)]);
        }
    }

    public void OnIdle(IIngestContext ingest)
    {
    }

    public void OnPartitionsRevoked(IIngestContext ingest, IReadOnlyList<int> partitions) => Revoked.Enqueue([.. partitions]);

    internal sealed record Received(CallSide Side, int Partition, long Offset, byte[] Value, byte[] Key);
}
