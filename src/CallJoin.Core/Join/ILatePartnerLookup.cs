using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

/// <summary>Asks what is already written for the call of a half whose timeout fell due (see <see cref="LatePartnerSource.Lookup"/>).</summary>
/// <remarks>
/// Called on the engine's thread; the spans are valid only during the call. The answer comes back, on the engine's
/// thread, through <see cref="JoinEngine{TOutput}.Resolve"/>; until then the half stays in state (a partner arriving
/// meanwhile still joins it, and the answer is then ignored). Implementations batch requests: one query per batch.
/// </remarks>
public interface ILatePartnerLookup
{
    /// <summary>Queues the lookup of the call (project_id, id) for its waiting <paramref name="side"/>.</summary>
    void Request(CallSide side, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id);
}
