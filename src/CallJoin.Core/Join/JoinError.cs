using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

/// <summary>One error record: why, which half, and its raw bytes. Valid only during the output callback.</summary>
public readonly ref struct JoinError
{
    public JoinError(string reason, CallSide side, SourcePosition position, long timestampMillis, long atMillis,
        ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id, ReadOnlySpan<byte> payload)
    {
        AtMillis = atMillis;
        Reason = reason;
        Side = side;
        Position = position;
        TimestampMillis = timestampMillis;
        ProjectId = projectId;
        Id = id;
        Payload = payload;
        ReleasesHalf = reason != JoinErrorReason.StartMissing;
    }

    /// <summary>
    /// Whether writing this record releases the half (see <see cref="IJoinOutput"/>): true except for a
    /// <c>start_missing</c> whose end stays in state for a late start (<see cref="LatePartnerSource.RetainedState"/>).
    /// </summary>
    public bool ReleasesHalf { get; init; }

    /// <summary>A <see cref="JoinErrorReason"/> value or a malformed-input reason such as <c>missing_field:id</c>.</summary>
    public string Reason { get; }

    /// <summary>Which topic the half came from.</summary>
    public CallSide Side { get; }

    /// <summary>Its partition and offset.</summary>
    public SourcePosition Position { get; }

    /// <summary>The half's record timestamp: when it was first seen.</summary>
    public long TimestampMillis { get; }

    /// <summary>The stream time at which the error arose (for <c>start_missing</c>, when the end timed out).</summary>
    public long AtMillis { get; }

    /// <summary>The project, when it could be read.</summary>
    public ReadOnlySpan<byte> ProjectId { get; }

    /// <summary>The call id, when it could be read.</summary>
    public ReadOnlySpan<byte> Id { get; }

    /// <summary>The message as received.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}
