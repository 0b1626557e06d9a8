using System.Text.Json;
using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// What a state checkpoint commits inside the FASTER checkpoint's own metadata: the next offset of every partition read
/// and the stream time. Everything before those offsets is durable in ClickHouse or in the checkpointed state.
/// </summary>
/// <remarks>
/// Committed with the state it describes (FASTER's commit cookie), so a restart always resumes the positions of the very
/// checkpoint it recovers: no crash between two writes can pair a state with another checkpoint's positions.
/// </remarks>
/// <param name="StreamTimeMillis">Stream time at the checkpoint.</param>
/// <param name="Positions">The next offset per partition of both topics.</param>
internal sealed record StateCheckpoint(long StreamTimeMillis, IReadOnlyList<PartitionPosition> Positions)
{
    /// <summary>The bytes to commit with the FASTER checkpoint.</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(new CheckpointFile(StreamTimeMillis,
        [.. Positions.Select(p => new PositionEntry(p.Side == CallSide.Start ? "start" : "end", p.Partition, p.NextOffset))]));

    /// <summary>The checkpoint committed as <paramref name="bytes"/>; null when they are empty or not a checkpoint.</summary>
    public static StateCheckpoint? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return null;
        }

        try
        {
            var file = JsonSerializer.Deserialize<CheckpointFile>(bytes);
            return file?.Positions is null ? null : new StateCheckpoint(file.StreamTimeMillis,
                [.. file.Positions.Select(p => new PartitionPosition(p.Side == "start" ? CallSide.Start : CallSide.End, p.Partition, p.Next))]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record CheckpointFile(long StreamTimeMillis, List<PositionEntry> Positions);

    private sealed record PositionEntry(string Side, int Partition, long Next);
}
