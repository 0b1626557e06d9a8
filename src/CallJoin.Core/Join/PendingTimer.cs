using CallJoin.Core.State;

namespace CallJoin.Core.Join;

/// <summary>A join timer's payload: the key whose half waits, and the input sequence number of the record that brought it.</summary>
/// <remarks>Outside the generic engine, so that the wheel's type does not depend on the engine's output type.</remarks>
internal readonly record struct PendingTimer(CallKey Key, long Sequence);
