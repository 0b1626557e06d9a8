using CallJoin.Migration.Validation;
using CallJoin.Testing;

namespace CallJoin.Migration.Tests.Validation;

/// <summary>
/// <see cref="MigrationValidator"/> over legacy data written as the old server wrote it and calls_complete written by
/// the live join from the same halves: consistent as is, and each kind of tampering found and named.
/// </summary>
public sealed class MigrationValidatorTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private MigrationDataset? _data;

    private MigrationDataset Data => _data ?? throw new InvalidOperationException("not initialized");

    public async ValueTask InitializeAsync() => _data = await MigrationDataset.CreateAsync(clickHouse);

    public ValueTask DisposeAsync()
    {
        _data?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_same_halves_on_both_paths_are_consistent_in_counts_and_every_field()
    {
        var report = await ValidateAsync(sample: 0);

        var expected = Data.Workload.Expected;
        Assert.True(report.Consistent, Text(report));
        Assert.Equal((ulong)expected.CompleteRows, report.MergedTotal.Complete);
        Assert.Equal((ulong)expected.RunningOnlyRows, report.MergedTotal.Running);
        Assert.Equal((ulong)(expected.Calls - expected.CallsInTable), report.MergedTotal.EndOnly);
        Assert.True(report.MergedTotal.EndOnly > 0 && report.MergedTotal.Running > 0, "the workload has end-only and running calls");
        Assert.Equal(report.MergedTotal, report.NewTotal);
        Assert.Equal(expected.CallsInTable, report.CallsCompared);
        Assert.Equal(report.CallsCompared * ComparedColumn.All.Count, report.FieldsCompared);
        Assert.Empty(report.Listed);

        // Several days and every project, each with its verdict recorded.
        Assert.True(report.Verdicts.Select(v => v.Day).Distinct().Count() >= 3);
        Assert.Equal(3, report.Verdicts.Select(v => v.ProjectId).Distinct().Count());
        var stored = await Data.VerdictsAsync();
        Assert.Equal(report.Verdicts.Count, stored.Count);
        Assert.All(stored.Values, status => Assert.Equal("consistent", status));
    }

    [Fact]
    public async Task A_sample_compares_at_most_that_many_calls_per_day_and_is_still_consistent()
    {
        var report = await ValidateAsync(sample: 25);

        Assert.True(report.Consistent, Text(report));
        Assert.All(report.Verdicts.GroupBy(v => v.Day), day => Assert.InRange(day.Sum(v => v.CallsCompared), 0, 25));
        Assert.True(report.CallsCompared >= 25 * 3, $"three full days sampled, got {report.CallsCompared}");
    }

    [Fact]
    public async Task A_newer_row_with_another_output_is_listed_with_its_id_and_field_and_only_its_day_and_project_mismatch()
    {
        var (project, id, day) = await Data.CompleteCallAsync();
        await Data.SupersedeAsync(id, "output_dump", "'\"tampered\"'");

        var report = await ValidateAsync(sample: 0);

        Assert.False(report.Consistent);
        var mismatch = Assert.Single(report.Listed);
        Assert.Equal((day, project, id, CallMismatchKind.FieldsDiffer), (mismatch.Day, mismatch.Key.ProjectId, mismatch.Key.Id, mismatch.Kind));
        var field = Assert.Single(mismatch.Fields);
        Assert.Equal("output_dump", field.Field);
        Assert.Equal("\"tampered\"", field.Complete);
        Assert.NotEqual(field.Complete, field.Merged);
        Assert.NotNull(field.Merged);

        var bad = Assert.Single(report.Verdicts, v => !v.Consistent);
        Assert.Equal((day, project, 1L), (bad.Day, bad.ProjectId, bad.Mismatches));
        Assert.Equal(bad.Merged, bad.New); // counts still agree
        var stored = await Data.VerdictsAsync();
        Assert.Equal("mismatch", stored[(Day(day), project)]);
        Assert.Single(stored, s => s.Value == "mismatch");
    }

    [Fact]
    public async Task A_column_rewritten_in_place_is_listed_with_each_changed_field()
    {
        var (project, id, day) = await Data.CompleteCallAsync();
        await Data.UpdateAsync(id, "op_name", "'tampered-op'");
        await Data.UpdateAsync(id, "input_refs", "['weave:///x/y/object/z:1']");

        var report = await ValidateAsync(sample: 0, project: project);

        var mismatch = Assert.Single(report.Listed);
        Assert.Equal(id, mismatch.Key.Id);
        Assert.Equal(["op_name", "input_refs"], mismatch.Fields.Select(f => f.Field));
        Assert.Equal("tampered-op", mismatch.Fields[0].Complete);
        Assert.Equal("['weave:///x/y/object/z:1']", mismatch.Fields[1].Complete);
        Assert.Equal("mismatch", (await Data.VerdictsAsync())[(Day(day), project)]);
    }

    [Fact]
    public async Task A_missing_call_is_a_count_mismatch_and_listed_as_missing_in_calls_complete()
    {
        var (project, id, day) = await Data.CompleteCallAsync();
        await Data.DeleteAsync(id);

        var report = await ValidateAsync(sample: 0);

        var bad = Assert.Single(report.Verdicts, v => !v.Consistent);
        Assert.Equal((day, project), (bad.Day, bad.ProjectId));
        Assert.Equal(bad.Merged.Complete - 1, bad.New.Complete);
        var mismatch = Assert.Single(report.Listed);
        Assert.Equal((id, CallMismatchKind.MissingInComplete), (mismatch.Key.Id, mismatch.Kind));
        Assert.Equal(1, report.CountMismatches);
    }

    [Fact]
    public async Task A_call_twice_under_final_and_a_call_only_in_calls_complete_are_listed_as_such()
    {
        var (project, id, day) = await Data.CompleteCallAsync();
        await Data.CopyAsync(id, "id", "'stray-call'");
        await Data.CopyAsync(id, "started_at", "started_at + toIntervalMicrosecond(1)"); // another sort key: FINAL keeps both

        var report = await ValidateAsync(sample: 0);

        var kinds = report.Listed.ToDictionary(m => m.Key.Id, m => m.Kind);
        Assert.True(kinds.Count == 2, Text(report));
        Assert.Equal(CallMismatchKind.DuplicateInComplete, kinds[id]);
        Assert.Equal(CallMismatchKind.MissingInMerged, kinds["stray-call"]);
        var bad = Assert.Single(report.Verdicts, v => !v.Consistent);
        Assert.Equal((day, project), (bad.Day, bad.ProjectId));
        Assert.Equal(bad.Merged.Complete + 2, bad.New.Complete);
    }

    [Fact]
    public async Task A_lost_start_missing_record_is_an_end_only_count_mismatch()
    {
        var (project, _) = await Data.DeleteStartMissingAsync();

        var report = await ValidateAsync(sample: 0);

        var bad = Assert.Single(report.Verdicts, v => !v.Consistent);
        Assert.Equal(project, bad.ProjectId);
        Assert.Equal(bad.Merged.EndOnly - 1, bad.New.EndOnly);
        Assert.Equal((bad.Merged.Complete, bad.Merged.Running), (bad.New.Complete, bad.New.Running));
        Assert.Empty(report.Listed); // end-only calls have no row to compare
    }

    [Fact]
    public async Task A_project_filter_compares_and_records_only_that_project()
    {
        var (tamperedProject, id, _) = await Data.CompleteCallAsync();
        await Data.SupersedeAsync(id, "summary_dump", "'{}'");
        var (other, _, _) = await Data.CompleteCallAsync(notInProject: tamperedProject);

        var clean = await ValidateAsync(sample: 0, project: other);
        var tampered = await ValidateAsync(sample: 0, project: tamperedProject);

        Assert.True(clean.Consistent, Text(clean));
        Assert.All(clean.Verdicts, v => Assert.Equal(other, v.ProjectId));
        Assert.False(tampered.Consistent);
        Assert.All(tampered.Verdicts, v => Assert.Equal(tamperedProject, v.ProjectId));
        var stored = await Data.VerdictsAsync();
        Assert.All(stored.Keys, k => Assert.Contains(k.Project, new[] { other, tamperedProject }));
    }

    [Fact]
    public async Task A_repaired_day_gets_a_fresh_consistent_verdict_that_replaces_the_mismatch()
    {
        var (project, id, day) = await Data.CompleteCallAsync();
        await Data.SupersedeAsync(id, "exception", "'boom'");
        Assert.False((await ValidateAsync(sample: 0)).Consistent);
        Assert.Equal("mismatch", (await Data.VerdictsAsync())[(Day(day), project)]);

        await Data.SupersedeAsync(id, "exception", "''");

        Assert.True((await ValidateAsync(sample: 0)).Consistent);
        Assert.Equal("consistent", (await Data.VerdictsAsync())[(Day(day), project)]);
    }

    private Task<ValidationReport> ValidateAsync(int sample, string? project = null) =>
        new MigrationValidator(Data.Client, new ValidationOptions
        {
            Database = Data.Database,
            From = MigrationDataset.Range.From,
            To = MigrationDataset.Range.To,
            ProjectId = project,
            Sample = sample,
        }).RunAsync(TestContext.Current.CancellationToken);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string Text(ValidationReport report) => ValidationReportWriter.Summary(report);
}
