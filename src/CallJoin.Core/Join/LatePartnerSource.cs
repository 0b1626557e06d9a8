namespace CallJoin.Core.Join;

/// <summary>Where the engine finds the partner of a half whose timeout has passed.</summary>
public enum LatePartnerSource : byte
{
    /// <summary>
    /// The half stays in state for <see cref="JoinOptions.StartRetention"/> or <see cref="JoinOptions.EndRetention"/>
    /// after its running row or <c>start_missing</c> record: right when the whole input is at hand (a replay).
    /// </summary>
    RetainedState,

    /// <summary>
    /// The half leaves the state at its timeout. Before it writes a running row or a <c>start_missing</c> record, the
    /// engine asks an <see cref="ILatePartnerLookup"/> what is already written for the call (a running row, a complete
    /// row, an orphan end's record) and completes it from that. State then holds only halves younger than their timeout,
    /// and any instance can complete any call, whatever it read before (the service).
    /// </summary>
    Lookup,
}
