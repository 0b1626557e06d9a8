using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Kafka.Ingest;
using CallJoin.State;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The pipeline's side of state checkpoints: the next offset of every partition read (from where reading started, then
/// per record), and taking a checkpoint of the FASTER store with them.
/// </summary>
/// <remarks>Engine thread only.</remarks>
/// <param name="compactAboveBytes">After a checkpoint, compact the log once it holds this many bytes on disk, most of them dead.</param>
internal sealed class StateCheckpoints(FasterPendingStore store, TimeSpan interval, IReadOnlyList<PartitionPosition> start, long compactAboveBytes)
{
    // Present once a checkpoint of this folder has completed, before any offset is committed from it: a folder without it
    // holds nothing a restart must recover (e.g. the process died during its first checkpoint).
    private const string CommittedMarker = "calljoin-state-committed";

    // The matched calls, saved after each checkpoint is committed: a crash in between leaves the previous checkpoint's
    // (fewer calls remembered), which only means a redelivered half is resolved by a lookup instead.
    private const string MatchedCallsFile = "calljoin-matched-calls";

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

    /// <summary>
    /// Checkpoints the store with the positions of the <paramref name="owned"/> partitions and stream time committed in
    /// it, and returns those positions to commit. A partition this instance no longer owns (the replica count changed)
    /// is left to its owner: its position is neither checkpointed nor committed.
    /// </summary>
    public IReadOnlyList<PartitionPosition> Take(long streamTimeMillis, IReadOnlyCollection<int> owned, MatchedCalls matched)
    {
        Collect(CallSide.Start, _starts);
        Collect(CallSide.End, _ends);
        var positions = _next.Where(kv => owned.Contains(kv.Key.Partition))
            .Select(kv => new PartitionPosition(kv.Key.Side, kv.Key.Partition, kv.Value))
            .OrderBy(p => p.Side).ThenBy(p => p.Partition).ToList();
        store.Checkpoint(new StateCheckpoint(streamTimeMillis, positions).ToBytes());
        MarkCommitted(store.Options.Directory);
        WriteDurably(Path.Combine(store.Options.Directory, MatchedCallsFile), matched.WriteTo);

        // Deleted and superseded records stay in the log until compacted: keep the volume from filling up. Compacting
        // after the checkpoint leaves its files in place until the next checkpoint is committed.
        var stats = store.Stats;
        if (stats.DiskBytes > compactAboveBytes && stats.DiskBytes > 2 * stats.ValueBytes)
        {
            store.Compact();
        }

        return positions;
    }

    /// <summary>Whether a checkpoint of <paramref name="directory"/> has completed (so a restart must recover it).</summary>
    public static bool HasCommitted(string directory) => File.Exists(Path.Combine(directory, CommittedMarker));

    /// <summary>
    /// The matched calls saved with the last checkpoint of <paramref name="directory"/>, or null when there are none or
    /// they cannot be read (then <paramref name="problem"/> says why: the restart goes on, redeliveries are looked up).
    /// </summary>
    public static MatchedCalls? ReadMatchedCalls(string directory, out string? problem)
    {
        problem = null;
        var path = Path.Combine(directory, MatchedCallsFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var file = File.OpenRead(path);
            return MatchedCalls.ReadFrom(file);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or EndOfStreamException)
        {
            problem = ex.Message;
            return null;
        }
    }

    private static void MarkCommitted(string directory)
    {
        var path = Path.Combine(directory, CommittedMarker);
        if (!File.Exists(path))
        {
            WriteDurably(path, file => file.Write("A completed state checkpoint lives here: a restart recovers it or refuses to start.\n"u8));
        }
    }

    /// <summary>Writes a file whole or not at all: a temporary file, flushed to disk, then renamed over the old one.</summary>
    private static void WriteDurably(string path, Action<Stream> write)
    {
        using (var file = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write))
        {
            write(file);
            file.Flush(flushToDisk: true);
        }

        File.Move(path + ".tmp", path, overwrite: true);
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
