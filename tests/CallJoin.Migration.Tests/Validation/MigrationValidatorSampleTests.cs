using CallJoin.Migration.Validation;
using CallJoin.Testing;

namespace CallJoin.Migration.Tests.Validation;

/// <summary>
/// The sample and the chunks: both sides pick the same calls (the smallest id hashes), a call missing on one side is
/// found as missing even in a sample of one, and splitting a day into chunks changes nothing but the query count.
/// </summary>
public sealed class MigrationValidatorSampleTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly DateOnly Day = new(2026, 1, 2);
    private MigrationDataset? _data;

    private MigrationDataset Data => _data ?? throw new InvalidOperationException("not initialized");

    public async ValueTask InitializeAsync() => _data = await MigrationDataset.CreateAsync(clickHouse);

    public ValueTask DisposeAsync()
    {
        _data?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_sample_of_one_compares_the_call_with_the_smallest_hash_and_finds_it_tampered()
    {
        var (project, id) = await Data.FirstSampledCallAsync(Day);
        await Data.SupersedeAsync(id, "op_name", "'renamed-op'");

        var report = await ValidateAsync(sample: 1);

        Assert.Equal(1, report.Verdicts.Where(v => v.Day == Day).Sum(v => v.CallsCompared));
        var mismatch = Assert.Single(report.Listed);
        Assert.Equal(report.Verdicts.Count(v => v.CallsCompared > 0), (int)report.CallsCompared); // one call per day with calls
        Assert.Equal((Day, project, id), (mismatch.Day, mismatch.Key.ProjectId, mismatch.Key.Id));
        Assert.Equal("op_name", Assert.Single(mismatch.Fields).Field);
        Assert.Equal("renamed-op", mismatch.Fields[0].Complete);
    }

    [Fact]
    public async Task A_sampled_call_missing_from_calls_complete_is_missing_not_a_different_call()
    {
        var (project, id) = await Data.FirstSampledCallAsync(Day);
        await Data.DeleteAsync(id);

        var report = await ValidateAsync(sample: 1);

        // calls_complete's own first call is now another one; merged, the sample is still the deleted call.
        var mismatch = Assert.Single(report.Listed, m => m.Day == Day);
        Assert.Equal((project, id, CallMismatchKind.MissingInComplete), (mismatch.Key.ProjectId, mismatch.Key.Id, mismatch.Kind));
        Assert.Equal(0, report.Verdicts.Where(v => v.Day == Day).Sum(v => v.CallsCompared));
        Assert.Single(report.Verdicts, v => v.Merged != v.New);
    }

    [Fact]
    public async Task Chunks_of_a_day_compare_every_call_once_and_find_the_same_mismatch()
    {
        var (_, id) = await Data.FirstSampledCallAsync(Day);
        await Data.SupersedeAsync(id, "attributes_dump", "'{\"tampered\": true}'");

        var whole = await ValidateAsync(sample: 0);
        var chunked = await ValidateAsync(sample: 0, chunkRows: 40);

        Assert.Equal(Data.Workload.Expected.CallsInTable - 1, whole.CallsCompared - whole.Mismatches);
        Assert.Equal(whole.CallsCompared, chunked.CallsCompared);
        Assert.Equal(whole.Verdicts, chunked.Verdicts);
        Assert.Equal(id, Assert.Single(chunked.Listed).Key.Id);
        Assert.Equal("attributes_dump", Assert.Single(chunked.Listed[0].Fields).Field);
    }

    [Fact]
    public async Task At_most_the_listed_number_of_mismatches_per_day_are_listed_and_all_are_counted()
    {
        await Data.Client.ExecuteNonQueryAsync(
            "ALTER TABLE calls_complete UPDATE wb_run_step = wb_run_step + 1 WHERE toDate(started_at, 'UTC') = '2026-01-02' SETTINGS mutations_sync = 1");

        var report = await ValidateAsync(sample: 0, maxListed: 3);

        var day = report.Verdicts.Where(v => v.Day == Day).ToList();
        Assert.Equal(day.Sum(v => (long)(v.Merged.Complete + v.Merged.Running)), day.Sum(v => v.Mismatches));
        Assert.Equal(3, report.Listed.Count);
        Assert.All(report.Listed, m => Assert.Equal("wb_run_step", Assert.Single(m.Fields).Field));
        Assert.Contains("more mismatching calls are counted above but not listed", ValidationReportWriter.Markdown(report), StringComparison.Ordinal);
    }

    private Task<ValidationReport> ValidateAsync(int sample, int chunkRows = 200_000, int maxListed = 20) =>
        new MigrationValidator(Data.Client, new ValidationOptions
        {
            Database = Data.Database,
            From = MigrationDataset.Range.From,
            To = MigrationDataset.Range.To,
            Sample = sample,
            ChunkRows = chunkRows,
            MaxListedPerDay = maxListed,
        }).RunAsync(TestContext.Current.CancellationToken);
}
