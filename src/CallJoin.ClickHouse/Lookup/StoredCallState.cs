namespace CallJoin.ClickHouse.Lookup;

/// <summary>What calls_complete holds for a call, judged by its current row (the newest <c>created_at</c>).</summary>
public enum StoredCallState
{
    /// <summary>No row: the start never timed out into a running row (or it expired).</summary>
    NotFound = 0,

    /// <summary>A running row (<c>ended_at</c> at its sentinel): complete it with the end.</summary>
    Running,

    /// <summary>A complete row (<c>ended_at</c> set): the call is already complete, a late end is a duplicate.</summary>
    Complete,

    /// <summary>The current row is a deletion (<c>deleted_at</c> set): the call was deleted, nothing is to be written.</summary>
    Deleted,
}
