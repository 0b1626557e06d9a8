namespace CallJoin.Routing;

/// <summary>The rule that decided a read's table, in the router's order of precedence (see README, "Query routing").</summary>
public enum RouteRule
{
    /// <summary>The emergency switch sends everything to calls_merged.</summary>
    Emergency,

    /// <summary><c>ENABLE_CALL_COMPLETION_WORKER</c> (or <c>CallJoin:Routing:Enabled</c>) is off.</summary>
    Disabled,

    /// <summary><c>PROJECT_VERSION_MODE=off</c>.</summary>
    ModeOff,

    /// <summary><c>PROJECT_VERSION_MODE=force_legacy</c>.</summary>
    ModeForceLegacy,

    /// <summary>The project is on the deny-list.</summary>
    DenyList,

    /// <summary>The project's residence under the mode decides (merged only, or read-merged mode).</summary>
    Residence,

    /// <summary>The project is in neither the allow-list nor the rollout percentage.</summary>
    Rollout,

    /// <summary>Migration state (backfill, validation) is not loaded yet, so no day can be trusted.</summary>
    StateUnknown,

    /// <summary>A day in the range has a 'mismatch' verdict from <c>calljoin validate</c> for this project.</summary>
    ValidationMismatch,

    /// <summary>The range reaches before the cutoff and a day there is not completed in backfill_progress.</summary>
    BackfillIncomplete,

    /// <summary>calls_complete: the range is at or after the cutoff, or every earlier day in it is backfilled.</summary>
    Migrated,

    /// <summary>calls_complete errored and the read was served by calls_merged instead.</summary>
    ReadFailover,
}
