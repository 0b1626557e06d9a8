using CallJoin.Core.Halves;

namespace CallJoin.ClickHouse.Lookup;

/// <summary>One result of <see cref="LatePartnerLookup.FindCallsAsync"/>: the state of a call's current calls_complete row.</summary>
/// <remarks>Immutable once returned; <see cref="Row"/> belongs to the caller.</remarks>
public sealed class StoredCall
{
    internal StoredCall(LookupKey key, StoredCallState state, CallRowData? row, long createdAtMillis)
    {
        Key = key;
        State = state;
        Row = row;
        CreatedAtMillis = createdAtMillis;
    }

    /// <summary>The key asked for.</summary>
    public LookupKey Key { get; }

    public StoredCallState State { get; }

    /// <summary>
    /// For <see cref="StoredCallState.Running"/>: the running row, every column as stored (refs in stored order), ready
    /// for <see cref="CallRowBuilder.Complete"/>. Null in every other state.
    /// </summary>
    public CallRowData? Row { get; }

    /// <summary>The current row's <c>created_at</c> (its version), milliseconds since the epoch; 0 when not found.</summary>
    public long CreatedAtMillis { get; }
}
