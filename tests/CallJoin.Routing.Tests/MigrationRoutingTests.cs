using System.Diagnostics.Metrics;
using System.Text;
using CallJoin.Migration.Backfill;
using CallJoin.Testing;

namespace CallJoin.Routing.Tests;

/// <summary>
/// The migration as an operator runs it: legacy data only, then <c>calljoin backfill</c>, with the router deciding from
/// residence and backfill_progress along the way; after the backfill both tables answer alike.
/// </summary>
public sealed class MigrationRoutingTests(ClickHouseFixture clickHouse)
{
    [Fact]
    public async Task Reads_move_to_calls_complete_once_the_backfill_completes_their_days()
    {
        using var db = await ReadPathDatabase.CreateAsync(clickHouse, tracesPerDay: 3, joined: false);
        using var meter = new Meter("test.migration");
        var cutoff = DateOnly.FromDateTime(ReadPathDatabase.FirstDay).AddDays(3);
        var router = new CallRouter(db.Client, db.Name, () => new RoutingOptions { Cutoff = cutoff }, new RoutingMetrics(meter));
        var range = new RouteRequest(ReadPathDatabase.ProjectA, ReadPathDatabase.FirstDay.AddDays(1));
        Assert.True(await router.RefreshAsync());

        var before = await router.RouteAsync(range);
        Assert.Equal((ReadTable.CallsMerged, RouteRule.Residence, ProjectDataResidence.MergedOnly), (before.Table, before.Rule, before.Residence));

        using (var backfill = new BackfillRunner(db.Client, new BackfillOptions { Database = db.Name, Cutoff = cutoff, ChunkRows = 50 }))
        {
            var summary = await backfill.RunAsync();
            Assert.Equal(3, summary.Days.Count);
        }

        router.Residence.Clear();
        Assert.True(await router.RefreshAsync());
        foreach (var request in new[] { range, new RouteRequest(ReadPathDatabase.ProjectA), new RouteRequest(ReadPathDatabase.ProjectB, StartedBefore: ReadPathDatabase.FirstDay.AddDays(1)) })
        {
            var after = await router.RouteAsync(request);
            Assert.Equal((ReadTable.CallsComplete, RouteRule.Migrated), (after.Table, after.Rule));
        }

        foreach (var query in new[] { new CallQuery(ReadPathDatabase.ProjectA, Limit: 1000), new CallQuery(ReadPathDatabase.ProjectB, OpName: ReadPathDatabase.Ops[0]) })
        {
            var merged = await router.ReadOnAsync(ReadTable.CallsMerged, query);
            var complete = await router.ReadOnAsync(ReadTable.CallsComplete, query);
            Assert.True(merged.Rows > 0);
            Assert.Equal(Encoding.UTF8.GetString(merged.Body.Span), Encoding.UTF8.GetString(complete.Body.Span));
        }
    }
}
