using CallJoin.Migration.Backfill;
using CallJoin.Migration.Validation;
using CallJoin.Testing;
using CallJoin.Workload;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;

namespace CallJoin.Migration.Tests.Validation;

/// <summary>The migration's own order: legacy data only, then <c>calljoin backfill</c>, then validate.</summary>
public sealed class ValidateAfterBackfillTests(ClickHouseFixture clickHouse)
{
    private static readonly string[] RefColumns = ["input_refs", "output_refs"];

    [Fact]
    public async Task Backfilled_days_are_consistent_with_calls_merged()
    {
        var (client, database) = await BackfilledAsync(MigrationDataset.DefaultWorkload);
        using (client)
        {
            var report = await ValidateAsync(client, database);

            Assert.True(report.Consistent, ValidationReportWriter.Summary(report));
            var expected = new WeaveWorkload(MigrationDataset.DefaultWorkload).Expected;
            Assert.Equal(expected.CallsInTable, report.CallsCompared);
            Assert.True(report.NewTotal.EndOnly > 0, "the backfill's start_missing records count as end-only calls");
        }
    }

    [Fact]
    public async Task A_half_the_old_server_stored_twice_differs_only_in_the_refs_calls_merged_repeats_and_not_when_refs_are_sets()
    {
        var options = MigrationDataset.DefaultWorkload with { DuplicateHalf = 0.2 };
        var (client, database) = await BackfilledAsync(options);
        using (client)
        {
            var report = await ValidateAsync(client, database);

            Assert.Equal(report.MergedTotal, report.NewTotal);
            Assert.True(report.Mismatches > 0, "some redelivered halves carry refs");
            Assert.All(report.Listed, m =>
            {
                Assert.Equal(CallMismatchKind.FieldsDiffer, m.Kind);
                Assert.All(m.Fields, f => Assert.Contains(f.Field, RefColumns));
            });

            var asSets = await ValidateAsync(client, database, refsAsSets: true);

            Assert.True(asSets.Consistent, ValidationReportWriter.Summary(asSets));
        }
    }

    private async Task<(ClickHouseClient Client, string Database)> BackfilledAsync(WorkloadOptions options)
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await clickHouse.CreateDatabaseAsync("backfilled");
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(database));
        await new ClickHouse.Schema.SchemaMigrator(client, database).MigrateAsync(ct: ct);
        await new LegacyCallPartsWriter(client, database, rowsPerInsert: 500).WriteAsync(new WeaveWorkload(options).Events(), ct);
        using var runner = new BackfillRunner(client, new BackfillOptions
        {
            Database = database,
            Cutoff = MigrationDataset.Range.To.AddDays(1),
            Until = MigrationDataset.Range.From,
        });
        var summary = await runner.RunAsync(ct);
        Assert.True(summary.Succeeded, summary.Failure);
        return (client, database);
    }

    private static Task<ValidationReport> ValidateAsync(ClickHouseClient client, string database, bool refsAsSets = false) =>
        new MigrationValidator(client, new ValidationOptions
        {
            Database = database,
            From = MigrationDataset.Range.From,
            To = MigrationDataset.Range.To,
            Sample = 0,
            MaxListedPerDay = 1000,
            RefsAsSets = refsAsSets,
        }).RunAsync(TestContext.Current.CancellationToken);
}
