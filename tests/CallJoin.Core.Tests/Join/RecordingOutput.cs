using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Join;

/// <summary>What the engine wrote, as comparable values.</summary>
internal sealed class RecordingOutput : IJoinOutput
{
    public List<JoinResult> Results { get; } = [];

    /// <summary>Every half released, as side/partition/offset.</summary>
    public List<(CallSide Side, SourcePosition Position)> Released { get; } = [];

    public void OnReleased(CallSide side, SourcePosition position) => Released.Add((side, position));

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        if (sources.ReleasesStart)
        {
            Released.Add((CallSide.Start, sources.Start));
        }

        if (sources.ReleasesEnd)
        {
            Released.Add((CallSide.End, sources.End));
        }

        Results.Add(new JoinResult(
        row.EndedAtMicros == 0 ? "running" : "complete",
        Encoding.UTF8.GetString(row.ProjectId),
        Encoding.UTF8.GetString(row.Id),
        createdAtMillis,
        row.StartedAtMicros,
        row.EndedAtMicros,
        Encoding.UTF8.GetString(row.InputsDump) + "|" + Encoding.UTF8.GetString(row.OutputDump)));
    }

    public void OnError(in JoinError error)
    {
        if (error.ReleasesHalf)
        {
            Released.Add((error.Side, error.Position));
        }

        // Malformed-input reasons are the parser's business (tested there); the join only promises an error record.
        var joinReason = error.Reason is JoinErrorReason.StartMissing or JoinErrorReason.ConflictingDuplicate or JoinErrorReason.KeyCollision
            or JoinErrorReason.HalfTooLarge or JoinErrorReason.KeyMismatch or JoinErrorReason.PartnerFailed;
        Results.Add(new JoinResult(
            joinReason ? "error:" + error.Reason : "error:malformed",
            joinReason ? Encoding.UTF8.GetString(error.ProjectId) : "",
            joinReason ? Encoding.UTF8.GetString(error.Id) : "",
        error.AtMillis,
        error.Position.Partition,
        error.Position.Offset,
        error.Side.ToString()));
    }
}

/// <summary>One row or error record, flattened for comparison.</summary>
internal readonly record struct JoinResult(string Kind, string ProjectId, string Id, long At, long A, long B, string Detail)
{
    public override string ToString() => $"{Kind} {ProjectId}/{Id} at={At} {A} {B} {Detail}";
}
