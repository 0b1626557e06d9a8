namespace CallJoin.Routing;

/// <summary>A call list read: one project, an optional started_at range and exact-match filters, paged.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="StartedAfter">Inclusive lower bound of started_at (UTC), or null.</param>
/// <param name="StartedBefore">Exclusive upper bound of started_at (UTC), or null.</param>
/// <param name="OpName">Exact op_name, or null.</param>
/// <param name="TraceId">Exact trace_id, or null.</param>
/// <param name="ParentId">Exact parent_id, or null.</param>
/// <param name="Limit">Most calls returned.</param>
/// <param name="Offset">Calls skipped first.</param>
/// <param name="Descending">Newest first (started_at, id descending) instead of oldest first.</param>
public sealed record CallQuery(
    string ProjectId,
    DateTime? StartedAfter = null,
    DateTime? StartedBefore = null,
    string? OpName = null,
    string? TraceId = null,
    string? ParentId = null,
    int Limit = 100,
    int Offset = 0,
    bool Descending = false)
{
    /// <summary>What the router needs of this read.</summary>
    public RouteRequest Route => new(ProjectId, StartedAfter, StartedBefore);
}
