using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

/// <summary>Where the join's results go: calls_complete rows and error records, in the order they arise.</summary>
/// <remarks>
/// <para>
/// Called on the engine's thread. The row and the error's spans are reused after the call returns: copy what you
/// keep (the ClickHouse sink encodes RowBinary straight from them). Implement on a struct or sealed class.
/// </para>
/// <para>
/// Every consumed half is released exactly once, so the ingest can tell which offsets are safe to commit: with the
/// complete row it is part of (<see cref="RowSources.Complete"/>), with its error record
/// (<see cref="JoinError.ReleasesHalf"/>), or by <see cref="OnReleased"/> when it needs nothing written (a duplicate,
/// a half dropped after its retention). A half is safe to commit once what released it is durable.
/// </para>
/// </remarks>
public interface IJoinOutput
{
    /// <summary>A row for calls_complete; <paramref name="createdAtMillis"/> is its ReplacingMergeTree version.</summary>
    void OnRow(CallRowData row, long createdAtMillis, in RowSources sources);

    /// <summary>An error record.</summary>
    void OnError(in JoinError error);

    /// <summary>A half whose effect needs nothing more to be written.</summary>
    void OnReleased(CallSide side, SourcePosition position);
}
