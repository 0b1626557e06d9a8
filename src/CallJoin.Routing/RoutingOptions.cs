using System.Collections.Frozen;

namespace CallJoin.Routing;

/// <summary>Everything the router decides with; immutable, replaced as a whole when the configuration reloads.</summary>
public sealed record RoutingOptions
{
    /// <summary>Off sends every read to calls_merged (the seed plan's <c>ENABLE_CALL_COMPLETION_WORKER</c>).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The emergency switch: every read goes to calls_merged, whatever else is configured.</summary>
    public bool ForceMerged { get; init; }

    /// <summary>Upstream's <c>PROJECT_VERSION_MODE</c>.</summary>
    public ProjectVersionMode Mode { get; init; } = ProjectVersionMode.Auto;

    /// <summary>
    /// <c>MIGRATION_CUTOFF_DATE</c>: days before it are in calls_complete only once backfilled. Null: no cutoff, every day
    /// counts as migrated (a fresh deployment, or after the cutover).
    /// </summary>
    public DateOnly? Cutoff { get; init; }

    /// <summary>Projects that take part whatever the rollout percentage.</summary>
    public FrozenSet<string> AllowProjects { get; init; } = FrozenSet<string>.Empty;

    /// <summary>Projects that always read calls_merged; wins over the allow-list.</summary>
    public FrozenSet<string> DenyProjects { get; init; } = FrozenSet<string>.Empty;

    /// <summary>Share of the other projects (0–100) that take part, by a stable hash of the project id.</summary>
    public int RolloutPercent { get; init; } = 100;

    /// <summary>Retry a calls_complete read that fails on calls_merged.</summary>
    public bool FailoverOnError { get; init; } = true;

    /// <summary>How often backfill_progress and migration_validation are read again.</summary>
    public TimeSpan StateRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a project's non-empty residence is remembered (an empty one is asked again every read).</summary>
    public TimeSpan ResidenceCacheTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most rows one <c>/v1/calls</c> read may return.</summary>
    public int MaxLimit { get; init; } = 10_000;

    /// <summary>Value equality, the project sets compared by content (a reload that changes nothing is no change).</summary>
    public bool Equals(RoutingOptions? other) =>
        other is not null
        && Enabled == other.Enabled
        && ForceMerged == other.ForceMerged
        && Mode == other.Mode
        && Cutoff == other.Cutoff
        && AllowProjects.SetEquals(other.AllowProjects)
        && DenyProjects.SetEquals(other.DenyProjects)
        && RolloutPercent == other.RolloutPercent
        && FailoverOnError == other.FailoverOnError
        && StateRefreshInterval == other.StateRefreshInterval
        && ResidenceCacheTtl == other.ResidenceCacheTtl
        && MaxLimit == other.MaxLimit;

    public override int GetHashCode() =>
        HashCode.Combine(Enabled, ForceMerged, Mode, Cutoff, AllowProjects.Count, DenyProjects.Count, RolloutPercent, HashCode.Combine(FailoverOnError, StateRefreshInterval, ResidenceCacheTtl, MaxLimit));
}
