namespace CallJoin.Routing;

/// <summary>A served call list read.</summary>
/// <param name="Decision">The router's decision.</param>
/// <param name="Table">The table that served it (calls_merged after a failover even when the decision said otherwise).</param>
/// <param name="Rows">Calls returned.</param>
/// <param name="Body">The calls as JSON lines.</param>
/// <param name="FailedOver">Whether calls_complete failed and calls_merged served the read.</param>
public sealed record CallListResult(RouteDecision Decision, ReadTable Table, int Rows, ReadOnlyMemory<byte> Body, bool FailedOver);
