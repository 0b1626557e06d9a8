using System.Text.Json;
using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// What a state checkpoint pairs with the FASTER checkpoint in the same folder: the next offset of every partition read
/// and the stream time. Everything before those offsets is durable in ClickHouse or in the checkpointed state.
/// </summary>
/// <param name="Token">The FASTER checkpoint's token.</param>
/// <param name="StreamTimeMillis">Stream time at the checkpoint.</param>
/// <param name="Positions">The next offset per partition of both topics.</param>
internal sealed record StateCheckpoint(Guid Token, long StreamTimeMillis, IReadOnlyList<PartitionPosition> Positions)
{
    private const string FileName = "calljoin-checkpoint.json";

    /// <summary>The checkpoint written last in <paramref name="directory"/>, or null when there is none or it cannot be read.</summary>
    public static StateCheckpoint? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var file = JsonSerializer.Deserialize<CheckpointFile>(File.ReadAllBytes(path));
            return file is null ? null : new StateCheckpoint(file.Token, file.StreamTimeMillis,
                [.. file.Positions.Select(p => new PartitionPosition(p.Side == "start" ? CallSide.Start : CallSide.End, p.Partition, p.Next))]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes this checkpoint next to the store (a temporary file renamed over the last one).</summary>
    public void Write(string directory)
    {
        var file = new CheckpointFile(Token, StreamTimeMillis,
            [.. Positions.Select(p => new PositionEntry(p.Side == CallSide.Start ? "start" : "end", p.Partition, p.NextOffset))]);
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(file));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record CheckpointFile(Guid Token, long StreamTimeMillis, List<PositionEntry> Positions);

    private sealed record PositionEntry(string Side, int Partition, long Next);
}
