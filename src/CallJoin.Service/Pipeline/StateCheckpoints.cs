using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;
using CallJoin.State;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The pipeline's side of state checkpoints: the next offset of every partition read (from where reading started, then
/// per record), and taking a checkpoint of the FASTER store with them.
/// </summary>
/// <remarks>Engine thread only.</remarks>
/// <param name="compactAboveBytes">Compact the log before a checkpoint once it holds this many bytes on disk, most of them dead.</param>
internal sealed class StateCheckpoints(
    FasterPendingStore store, string directory, TimeSpan interval, IReadOnlyList<PartitionPosition> start, long compactAboveBytes)
{
    private readonly Dictionary<(CallSide Side, int Partition), long> _next = start.ToDictionary(p => (p.Side, p.Partition), p => p.NextOffset);
    private long[] _starts = [];
    private long[] _ends = [];

    public TimeSpan Interval => interval;

    /// <summary>Notes a record read (its offset + 1 is where a restart resumes).</summary>
    public void OnRecord(CallSide side, int partition, long offset)
    {
        ref var slots = ref side == CallSide.Start ? ref _starts : ref _ends;
        if (partition >= slots.Length)
        {
            var grown = new long[Math.Max(partition + 1, slots.Length * 2)];
            Array.Fill(grown, -1);
            slots.CopyTo(grown, 0);
            slots = grown;
        }

        slots[partition] = offset + 1;
    }

    /// <summary>Checkpoints the store, writes the positions and stream time beside it, and returns the positions to commit.</summary>
    public IReadOnlyList<PartitionPosition> Take(long streamTimeMillis)
    {
        Collect(CallSide.Start, _starts);
        Collect(CallSide.End, _ends);
        var positions = _next.Select(kv => new PartitionPosition(kv.Key.Side, kv.Key.Partition, kv.Value))
            .OrderBy(p => p.Side).ThenBy(p => p.Partition).ToList();
        // Deleted and superseded records stay in the log until compacted: keep the volume from filling up.
        var stats = store.Stats;
        if (stats.DiskBytes > compactAboveBytes && stats.DiskBytes > 2 * stats.ValueBytes)
        {
            store.Compact();
        }

        var token = store.Checkpoint();
        new StateCheckpoint(token, streamTimeMillis, positions).Write(directory);
        return positions;
    }

    private void Collect(CallSide side, long[] slots)
    {
        for (var p = 0; p < slots.Length; p++)
        {
            if (slots[p] >= 0)
            {
                _next[(side, p)] = slots[p];
            }
        }
    }
}
