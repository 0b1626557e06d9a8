using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Join;

/// <summary>Everything the engine wrote, with error records in full (payload included) and every release.</summary>
internal sealed class OutcomeLog : IJoinOutput
{
    /// <summary>Rows and error records as text, in order.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>Every release, in order: with a complete row, a releasing error record, or nothing written.</summary>
    public List<(CallSide Side, SourcePosition Position)> Released { get; } = [];

    public List<ErrorEntry> Errors { get; } = [];

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        if (sources.Complete)
        {
            Released.Add((CallSide.Start, sources.Start));
            Released.Add((CallSide.End, sources.End));
        }

        Lines.Add($"{(sources.Complete ? "complete" : "running")} {Encoding.UTF8.GetString(row.ProjectId)}/{Encoding.UTF8.GetString(row.Id)} v={createdAtMillis}");
    }

    public void OnError(in JoinError error)
    {
        if (error.ReleasesHalf)
        {
            Released.Add((error.Side, error.Position));
        }

        var entry = new ErrorEntry(error.Reason, error.Side, error.Position, error.TimestampMillis, Encoding.UTF8.GetString(error.ProjectId),
            Encoding.UTF8.GetString(error.Id), Encoding.UTF8.GetString(error.Payload));
        Errors.Add(entry);
        Lines.Add(entry.ToString());
    }

    public void OnReleased(CallSide side, SourcePosition position) => Released.Add((side, position));
}

/// <summary>One error record, flattened.</summary>
internal sealed record ErrorEntry(string Reason, CallSide Side, SourcePosition Position, long TimestampMillis, string ProjectId, string Id, string Payload)
{
    public override string ToString() => $"error:{Reason} {Side} {Position.Partition}/{Position.Offset} ts={TimestampMillis} {ProjectId}/{Id} {Payload}";
}
