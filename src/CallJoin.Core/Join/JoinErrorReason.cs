namespace CallJoin.Core.Join;

/// <summary>The reasons an error record gives (stable strings: they land in the error table).</summary>
public static class JoinErrorReason
{
    /// <summary>An end whose start did not arrive within the end timeout.</summary>
    public const string StartMissing = "start_missing";

    /// <summary>A second, different half for the same key and side.</summary>
    public const string ConflictingDuplicate = "conflicting_duplicate";

    /// <summary>A half that had to wait for its partner but exceeds the pending store's largest value.</summary>
    public const string HalfTooLarge = "half_too_large";

    /// <summary>
    /// The message's Kafka key is not the payload's id. The half is not joined: its producer partitioned it by another
    /// key, so whether it would meet its partner depends on partition placement. A null or empty key is accepted.
    /// </summary>
    public const string KeyMismatch = "key_mismatch";

    /// <summary>
    /// A valid half whose partner failed while their row was built (that half has its own record with the reason):
    /// no row; this half is kept here with its payload.
    /// </summary>
    public const string PartnerFailed = "partner_failed";

    /// <summary>Two different calls hashed to the same join key (odds ~2^-64); neither is joined with the other.</summary>
    public const string KeyCollision = "key_collision";
}
