using System.Collections.Frozen;
using CallJoin.Routing;

namespace CallJoin.Routing.Tests;

/// <summary>The decision table, rule by rule and in order of precedence, without a database.</summary>
public sealed class QueryRouterTests
{
    private static readonly DateOnly Cutoff = new(2025, 3, 1);
    private static readonly RoutingOptions Migrating = new() { Cutoff = Cutoff };

    private static MigrationState State(
        IReadOnlyDictionary<DateOnly, string>? backfill = null,
        IReadOnlyDictionary<string, IReadOnlyCollection<DateOnly>>? mismatches = null,
        DateOnly? oldest = null) =>
        new(backfill ?? new Dictionary<DateOnly, string>(), mismatches ?? new Dictionary<string, IReadOnlyCollection<DateOnly>>(),
            oldest ?? new DateOnly(2025, 2, 25), DateTimeOffset.UnixEpoch);

    private static readonly MigrationState Backfilled = State(Days(new DateOnly(2025, 2, 25), new DateOnly(2025, 2, 28), "completed"));

    private static Dictionary<DateOnly, string> Days(DateOnly from, DateOnly to, string status)
    {
        var days = new Dictionary<DateOnly, string>();
        for (var d = from; d <= to; d = d.AddDays(1))
        {
            days[d] = status;
        }

        return days;
    }

    private static DateTime Utc(int month, int day) => new(2025, month, day, 0, 0, 0, DateTimeKind.Utc);

    private static Task<RouteDecision> Decide(RoutingOptions options, MigrationState state, RouteRequest request,
        ProjectDataResidence residence = ProjectDataResidence.Both) =>
        QueryRouter.DecideAsync(options, state, request, (_, _) => ValueTask.FromResult(residence)).AsTask();

    private static readonly RouteRequest AfterCutoff = new("p1", Utc(3, 2), Utc(3, 5));
    private static readonly RouteRequest BeforeCutoff = new("p1", Utc(2, 26), Utc(3, 2));

    [Fact]
    public async Task A_range_at_or_after_the_cutoff_reads_calls_complete()
    {
        var d = await Decide(Migrating, State(), AfterCutoff);
        Assert.Equal((ReadTable.CallsComplete, RouteRule.Migrated), (d.Table, d.Rule));
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, State(), new RouteRequest("p1", Utc(3, 1)))).Table);
    }

    [Fact]
    public async Task A_range_reaching_before_the_cutoff_needs_every_earlier_day_completed()
    {
        var partial = State(new Dictionary<DateOnly, string>
        {
            [new(2025, 2, 28)] = "completed",
            [new(2025, 2, 27)] = "processing",
            [new(2025, 2, 26)] = "completed",
        });
        var d = await Decide(Migrating, partial, BeforeCutoff);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.BackfillIncomplete), (d.Table, d.Rule));
        Assert.Contains("2025-02-27 is processing", d.Reason, StringComparison.Ordinal);

        var missing = await Decide(Migrating, State(new Dictionary<DateOnly, string> { [new(2025, 2, 28)] = "completed" }), BeforeCutoff);
        Assert.Equal(RouteRule.BackfillIncomplete, missing.Rule);
        Assert.Contains("not started", missing.Reason, StringComparison.Ordinal);

        var failed = await Decide(Migrating, State(Days(new(2025, 2, 25), new(2025, 2, 28), "failed")), BeforeCutoff);
        Assert.Equal(RouteRule.BackfillIncomplete, failed.Rule);

        var done = await Decide(Migrating, Backfilled, BeforeCutoff);
        Assert.Equal((ReadTable.CallsComplete, RouteRule.Migrated), (done.Table, done.Rule));
    }

    [Fact]
    public async Task An_open_range_reaches_back_to_the_oldest_legacy_day_and_no_further()
    {
        var open = new RouteRequest("p1");
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, Backfilled, open)).Table);
        // 2025-02-24 holds legacy data too and is not backfilled.
        var older = State(Days(new(2025, 2, 25), new(2025, 2, 28), "completed"), oldest: new DateOnly(2025, 2, 24));
        Assert.Equal(RouteRule.BackfillIncomplete, (await Decide(Migrating, older, open)).Rule);
        // Days before the oldest legacy day need nothing.
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, Backfilled, new RouteRequest("p1", Utc(1, 1), Utc(2, 27)))).Table);
        // An exclusive upper bound at midnight does not reach into that day.
        var upToCutoff = new RouteRequest("p1", Utc(2, 28), Utc(3, 1));
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, State(Days(new(2025, 2, 28), new(2025, 2, 28), "completed"), oldest: new(2025, 2, 28)), upToCutoff)).Table);
    }

    [Fact]
    public async Task Without_a_cutoff_every_day_counts_as_migrated()
    {
        var d = await Decide(new RoutingOptions(), State(), new RouteRequest("p1"));
        Assert.Equal((ReadTable.CallsComplete, RouteRule.Migrated), (d.Table, d.Rule));
    }

    [Fact]
    public async Task Unknown_migration_state_reads_calls_merged()
    {
        var d = await Decide(Migrating, MigrationState.Unknown, AfterCutoff);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.StateUnknown), (d.Table, d.Rule));
    }

    [Fact]
    public async Task A_mismatch_verdict_fails_that_project_and_day_over_to_calls_merged()
    {
        var state = State(Days(new(2025, 2, 25), new(2025, 2, 28), "completed"),
            new Dictionary<string, IReadOnlyCollection<DateOnly>> { ["p1"] = [new DateOnly(2025, 3, 3)] });
        var d = await Decide(Migrating, state, AfterCutoff);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.ValidationMismatch), (d.Table, d.Rule));
        Assert.Contains("2025-03-03", d.Reason, StringComparison.Ordinal);
        // Another project, or a range without that day, is unaffected.
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, state, AfterCutoff with { ProjectId = "p2" })).Table);
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, state, new RouteRequest("p1", Utc(3, 4), Utc(3, 6)))).Table);
        Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating, state, new RouteRequest("p1", Utc(3, 1), Utc(3, 3)))).Table);
        Assert.Equal(RouteRule.ValidationMismatch, (await Decide(Migrating, state, new RouteRequest("p1"))).Rule);
    }

    [Fact]
    public async Task The_emergency_switch_wins_over_everything()
    {
        var options = Migrating with { ForceMerged = true, AllowProjects = Set("p1") };
        var d = await Decide(options, Backfilled, AfterCutoff, ProjectDataResidence.CompleteOnly);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.Emergency), (d.Table, d.Rule));
    }

    [Fact]
    public async Task Disabled_completion_reads_calls_merged()
    {
        var d = await Decide(Migrating with { Enabled = false }, Backfilled, AfterCutoff);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.Disabled), (d.Table, d.Rule));
    }

    [Fact]
    public async Task The_deny_list_wins_over_the_allow_list()
    {
        var d = await Decide(Migrating with { AllowProjects = Set("p1"), DenyProjects = Set("p1") }, Backfilled, AfterCutoff);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.DenyList), (d.Table, d.Rule));
    }

    [Fact]
    public async Task Rollout_takes_allow_listed_projects_and_a_stable_share_of_the_others()
    {
        var none = Migrating with { RolloutPercent = 0 };
        Assert.Equal(RouteRule.Rollout, (await Decide(none, Backfilled, AfterCutoff)).Rule);
        Assert.Equal(ReadTable.CallsComplete, (await Decide(none with { AllowProjects = Set("p1") }, Backfilled, AfterCutoff)).Table);

        var projects = Enumerable.Range(0, 1000).Select(i => $"entity/project-{i}").ToArray();
        var half = Migrating with { RolloutPercent = 50 };
        var inRollout = new List<string>();
        foreach (var p in projects)
        {
            var d = await Decide(half, Backfilled, AfterCutoff with { ProjectId = p });
            Assert.Equal(RolloutBucket.Of(p) < 50, d.Table == ReadTable.CallsComplete);
            if (d.Table == ReadTable.CallsComplete)
            {
                inRollout.Add(p);
            }
        }

        Assert.InRange(inRollout.Count, 400, 600);
        // Raising the percentage only adds projects.
        foreach (var p in inRollout)
        {
            Assert.Equal(ReadTable.CallsComplete, (await Decide(Migrating with { RolloutPercent = 80 }, Backfilled, AfterCutoff with { ProjectId = p })).Table);
        }
    }

    [Fact]
    public void The_rollout_bucket_is_zlib_crc32_mod_100()
    {
        // The CRC-32 (IEEE) check value: zlib.crc32(b"123456789") == 0xCBF43926.
        Assert.Equal((int)(0xCBF43926u % 100), RolloutBucket.Of("123456789"));
    }

    [Theory]
    [InlineData(ProjectVersionMode.Off, ProjectDataResidence.CompleteOnly, ReadTable.CallsMerged, RouteRule.ModeOff)]
    [InlineData(ProjectVersionMode.ForceLegacy, ProjectDataResidence.CompleteOnly, ReadTable.CallsMerged, RouteRule.ModeForceLegacy)]
    [InlineData(ProjectVersionMode.ForceLegacy, ProjectDataResidence.Both, ReadTable.CallsMerged, RouteRule.ModeForceLegacy)]
    [InlineData(ProjectVersionMode.Auto, ProjectDataResidence.Empty, ReadTable.CallsComplete, RouteRule.Migrated)]
    [InlineData(ProjectVersionMode.Auto, ProjectDataResidence.MergedOnly, ReadTable.CallsMerged, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.Auto, ProjectDataResidence.CompleteOnly, ReadTable.CallsComplete, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.Auto, ProjectDataResidence.Both, ReadTable.CallsComplete, RouteRule.Migrated)]
    [InlineData(ProjectVersionMode.DualWriteReadMerged, ProjectDataResidence.Empty, ReadTable.CallsMerged, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.DualWriteReadMerged, ProjectDataResidence.MergedOnly, ReadTable.CallsMerged, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.DualWriteReadMerged, ProjectDataResidence.CompleteOnly, ReadTable.CallsComplete, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.DualWriteReadMerged, ProjectDataResidence.Both, ReadTable.CallsMerged, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.DualWriteReadComplete, ProjectDataResidence.Empty, ReadTable.CallsComplete, RouteRule.Migrated)]
    [InlineData(ProjectVersionMode.DualWriteReadComplete, ProjectDataResidence.MergedOnly, ReadTable.CallsMerged, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.DualWriteReadComplete, ProjectDataResidence.CompleteOnly, ReadTable.CallsComplete, RouteRule.Residence)]
    [InlineData(ProjectVersionMode.DualWriteReadComplete, ProjectDataResidence.Both, ReadTable.CallsComplete, RouteRule.Migrated)]
    public async Task Project_version_modes_read_as_upstream_for_each_residence(ProjectVersionMode mode, ProjectDataResidence residence, ReadTable table, RouteRule rule)
    {
        var d = await Decide(Migrating with { Mode = mode }, Backfilled, AfterCutoff, residence);
        Assert.Equal((table, rule), (d.Table, d.Rule));
    }

    [Fact]
    public async Task Residence_is_not_asked_when_an_earlier_rule_decides()
    {
        var asked = 0;
        foreach (var options in new[] { Migrating with { ForceMerged = true }, Migrating with { Enabled = false }, Migrating with { Mode = ProjectVersionMode.Off },
                     Migrating with { Mode = ProjectVersionMode.ForceLegacy }, Migrating with { DenyProjects = Set("p1") } })
        {
            await QueryRouter.DecideAsync(options, Backfilled, AfterCutoff, (_, _) => { asked++; return ValueTask.FromResult(ProjectDataResidence.Both); });
        }

        Assert.Equal(0, asked);
    }

    [Fact]
    public void Names_are_snake_case()
    {
        Assert.Equal("calls_complete", QueryRouter.Name(ReadTable.CallsComplete));
        Assert.Equal("dual_write_read_merged", QueryRouter.Name(ProjectVersionMode.DualWriteReadMerged));
        Assert.Equal("validation_mismatch", QueryRouter.Name(RouteRule.ValidationMismatch));
    }

    private static FrozenSet<string> Set(params string[] items) => items.ToFrozenSet(StringComparer.Ordinal);
}
