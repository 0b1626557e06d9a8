using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Replay;

/// <summary>Replay into ClickHouse: rows and error records go to the sink; released halves need no offsets here.</summary>
public sealed class ClickHouseSinkOutput(ClickHouseSink sink) : IJoinOutput
{
    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources) => sink.AddRow(row, createdAtMillis, sources);

    public void OnError(in JoinError error) => sink.AddError(error);

    public void OnReleased(CallSide side, SourcePosition position)
    {
    }
}
