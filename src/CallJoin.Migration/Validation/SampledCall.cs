namespace CallJoin.Migration.Validation;

/// <summary>One side's view of a sampled call: its key, its sample hash and a hash per compared column.</summary>
internal sealed record SampledCall(CallKeyText Key, ulong Pick, ulong[] Hashes);
