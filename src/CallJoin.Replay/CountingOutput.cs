using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Replay;

/// <summary>Counts what passes to the output it wraps, so a replay can report rows and errors whatever the sink.</summary>
public sealed class CountingOutput<TInner>(TInner inner) : IJoinOutput
    where TInner : IJoinOutput
{
    public long Rows { get; private set; }

    public long Errors { get; private set; }

    /// <summary>Error records by reason.</summary>
    public Dictionary<string, long> ErrorsByReason { get; } = new(StringComparer.Ordinal);

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        Rows++;
        inner.OnRow(row, createdAtMillis, sources);
    }

    public void OnError(in JoinError error)
    {
        Errors++;
        ErrorsByReason[error.Reason] = ErrorsByReason.GetValueOrDefault(error.Reason) + 1;
        inner.OnError(error);
    }

    public void OnReleased(CallSide side, SourcePosition position) => inner.OnReleased(side, position);
}
