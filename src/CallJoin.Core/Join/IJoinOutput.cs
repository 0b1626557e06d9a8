using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

/// <summary>Where the join's results go: calls_complete rows and error records, in the order they arise.</summary>
/// <remarks>
/// Called on the engine's thread. The row and the error's spans are reused after the call returns: copy what you
/// keep (the ClickHouse sink encodes RowBinary straight from them). Implement on a struct or sealed class.
/// </remarks>
public interface IJoinOutput
{
    /// <summary>A row for calls_complete; <paramref name="createdAtMillis"/> is its ReplacingMergeTree version.</summary>
    void OnRow(CallRowData row, long createdAtMillis);

    /// <summary>An error record.</summary>
    void OnError(in JoinError error);
}
