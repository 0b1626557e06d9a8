using System.Globalization;

namespace CallJoin.Routing;

/// <summary>
/// Decides which table serves a read, rule by rule in a fixed order of precedence (the README's decision table): the
/// first rule that sends the read to calls_merged wins; a read passing them all is served by calls_complete.
/// </summary>
/// <remarks>
/// Pure apart from <paramref name="residence"/>, which is only asked when the mode needs it (it may query ClickHouse);
/// options and migration state are snapshots, so one decision never sees half a configuration reload.
/// </remarks>
public static class QueryRouter
{
    /// <summary>Decides for <paramref name="request"/>.</summary>
    /// <param name="options">The routing configuration in force.</param>
    /// <param name="state">The latest backfill and validation state.</param>
    /// <param name="request">The project and started_at range read.</param>
    /// <param name="residence">Which tables hold the project's data (asked only under auto and dual-write modes).</param>
    /// <param name="ct">Cancels the residence lookup.</param>
    public static async ValueTask<RouteDecision> DecideAsync(
        RoutingOptions options,
        MigrationState state,
        RouteRequest request,
        Func<string, CancellationToken, ValueTask<ProjectDataResidence>> residence,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(residence);
        var project = request.ProjectId;

        if (options.ForceMerged)
        {
            return RouteDecision.Merged(RouteRule.Emergency, "The emergency switch (CallJoin:Routing:ForceMerged) sends every read to calls_merged.");
        }

        if (!options.Enabled)
        {
            return RouteDecision.Merged(RouteRule.Disabled, "The call completion path is disabled (ENABLE_CALL_COMPLETION_WORKER / CallJoin:Routing:Enabled).");
        }

        switch (options.Mode)
        {
            case ProjectVersionMode.Off:
                return RouteDecision.Merged(RouteRule.ModeOff, "PROJECT_VERSION_MODE=off reads calls_merged without looking at the project.");
            case ProjectVersionMode.ForceLegacy:
                return RouteDecision.Merged(RouteRule.ModeForceLegacy, "PROJECT_VERSION_MODE=force_legacy reads calls_merged.");
        }

        if (options.DenyProjects.Contains(project))
        {
            return RouteDecision.Merged(RouteRule.DenyList, $"Project '{project}' is on the deny-list.");
        }

        var where = await residence(project, ct).ConfigureAwait(false);
        if (where == ProjectDataResidence.CompleteOnly)
        {
            // Nothing of this project is in calls_merged: upstream reads where the data is, in every mode but off/legacy.
            return new RouteDecision(ReadTable.CallsComplete, RouteRule.Residence, $"Project '{project}' has data in calls_complete only.", where);
        }

        if (options.Mode == ProjectVersionMode.DualWriteReadMerged)
        {
            return RouteDecision.Merged(RouteRule.Residence, $"PROJECT_VERSION_MODE=dual_write_read_merged reads calls_merged (residence {Name(where)}).", where);
        }

        if (where == ProjectDataResidence.MergedOnly)
        {
            return RouteDecision.Merged(RouteRule.Residence, $"Project '{project}' has data in calls_merged only (not backfilled or dual-written yet).", where);
        }

        var allowListed = options.AllowProjects.Contains(project);
        if (!allowListed && !RolloutBucket.IsIn(project, options.RolloutPercent))
        {
            return RouteDecision.Merged(RouteRule.Rollout,
                $"Project '{project}' is not allow-listed and its rollout bucket {RolloutBucket.Of(project)} is not below {options.RolloutPercent}%.", where);
        }

        return DecideByDays(options, state, request, where, allowListed);
    }

    /// <summary>The day-based rules: validation verdicts, then the cutoff and backfill completeness.</summary>
    private static RouteDecision DecideByDays(RoutingOptions options, MigrationState state, RouteRequest request, ProjectDataResidence where, bool allowListed)
    {
        var project = request.ProjectId;
        if (!state.IsLoaded)
        {
            return RouteDecision.Merged(RouteRule.StateUnknown, "backfill_progress and migration_validation have not been read yet.", where);
        }

        var from = request.StartedAfter is { } after ? DateOnly.FromDateTime(after) : DateOnly.MinValue;
        var to = request.StartedBefore is { } before ? DateOnly.FromDateTime(before.AddTicks(-1)) : DateOnly.MaxValue;
        if (state.FirstMismatch(project, from, to) is { } bad)
        {
            return RouteDecision.Merged(RouteRule.ValidationMismatch,
                $"calljoin validate found a mismatch for project '{project}' on {Day(bad)}: failed over to calls_merged.", where);
        }

        var who = allowListed ? "allow-listed" : $"in the {options.RolloutPercent}% rollout";
        if (options.Cutoff is not { } cutoff)
        {
            return Complete($"Project '{project}' is {who} and no migration cutoff is set.");
        }

        if (request.StartedAfter is { } start && DateOnly.FromDateTime(start) >= cutoff)
        {
            return Complete($"Project '{project}' is {who} and the range starts at or after the cutoff {Day(cutoff)}.");
        }

        if (state.OldestLegacyDay is not { } oldest)
        {
            return Complete($"Project '{project}' is {who} and calls_merged holds no data before the cutoff.");
        }

        var first = from > oldest ? from : oldest;
        var last = to < cutoff.AddDays(-1) ? to : cutoff.AddDays(-1);
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            var status = state.BackfillStatus(day);
            if (status != "completed")
            {
                return RouteDecision.Merged(RouteRule.BackfillIncomplete,
                    $"The range reaches before the cutoff {Day(cutoff)} and {Day(day)} is {status ?? "not started"} in backfill_progress.", where);
            }
        }

        return Complete($"Project '{project}' is {who} and every day of the range before the cutoff {Day(cutoff)} is backfilled.");

        RouteDecision Complete(string reason) => new(ReadTable.CallsComplete, RouteRule.Migrated, reason, where);
    }

    /// <summary>The snake_case name the README and <c>/v1/route</c> use for a rule, table, mode or residence.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var text = value.ToString();
        var builder = new System.Text.StringBuilder(text.Length + 4);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsUpper(text[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(text[i]));
        }

        return builder.ToString();
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
