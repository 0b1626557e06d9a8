using CallJoin.ClickHouse.Lookup;
using CallJoin.Core.Halves;

namespace CallJoin.Service.Pipeline.Late;

/// <summary>What ClickHouse holds for one looked-up call (see <see cref="Core.Join.LatePartner"/>).</summary>
/// <param name="Side">The side of the waiting half.</param>
/// <param name="Key">The call.</param>
/// <param name="CallComplete">calls_complete holds its complete row (or it was deleted: never brought back).</param>
/// <param name="RunningRow">Its running row, when calls_complete holds one and no complete row.</param>
/// <param name="StartMissingEnd">The raw end of its <c>start_missing</c> record (asked for starts only).</param>
internal sealed record LookupAnswer(CallSide Side, LookupKey Key, bool CallComplete, CallRowData? RunningRow, ReadOnlyMemory<byte> StartMissingEnd);
