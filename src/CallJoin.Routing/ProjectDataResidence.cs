namespace CallJoin.Routing;

/// <summary>Which tables hold any of a project's calls (upstream's <c>ProjectDataResidence</c>).</summary>
public enum ProjectDataResidence
{
    /// <summary>Neither table: a new project.</summary>
    Empty,

    /// <summary>Only calls_merged: a project not yet backfilled or dual-written.</summary>
    MergedOnly,

    /// <summary>Only calls_complete.</summary>
    CompleteOnly,

    /// <summary>Both tables.</summary>
    Both,
}
