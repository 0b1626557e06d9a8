namespace CallJoin.Routing;

/// <summary>A routing decision and why it was made.</summary>
/// <param name="Table">The table that serves the read.</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="Reason">One sentence for an operator (and the <c>/v1/route</c> answer).</param>
/// <param name="Residence">The project's residence when the mode needed it, else null.</param>
public sealed record RouteDecision(ReadTable Table, RouteRule Rule, string Reason, ProjectDataResidence? Residence = null)
{
    public static RouteDecision Merged(RouteRule rule, string reason, ProjectDataResidence? residence = null) =>
        new(ReadTable.CallsMerged, rule, reason, residence);
}
