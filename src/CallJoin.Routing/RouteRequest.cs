namespace CallJoin.Routing;

/// <summary>What the router needs to know about a read: the project and its <c>started_at</c> range.</summary>
/// <param name="ProjectId">The project read.</param>
/// <param name="StartedAfter">Inclusive lower bound of <c>started_at</c>; null: unbounded (reaches back to the oldest day).</param>
/// <param name="StartedBefore">Exclusive upper bound of <c>started_at</c>; null: unbounded.</param>
public sealed record RouteRequest(string ProjectId, DateTime? StartedAfter = null, DateTime? StartedBefore = null);
