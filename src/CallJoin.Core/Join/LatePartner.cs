using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

/// <summary>The answer to an <see cref="ILatePartnerLookup"/> request: what is already written for one call.</summary>
/// <remarks>Valid only during <see cref="JoinEngine{TOutput}.Resolve"/>.</remarks>
public readonly ref struct LatePartner
{
    /// <summary>The side of the waiting half the lookup was made for.</summary>
    public required CallSide Side { get; init; }

    public required ReadOnlySpan<byte> ProjectId { get; init; }

    public required ReadOnlySpan<byte> Id { get; init; }

    /// <summary>calls_complete already holds the call's complete row.</summary>
    public bool CallComplete { get; init; }

    /// <summary>The call's running row as calls_complete holds it (null when there is none, or the row is complete).</summary>
    public CallRowData? RunningRow { get; init; }

    /// <summary>The raw end of the call's <c>start_missing</c> record (empty when there is none); asked for a start only.</summary>
    public ReadOnlySpan<byte> StartMissingEnd { get; init; }
}
