using System.Diagnostics.Metrics;
using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;
using Microsoft.Extensions.Time.Testing;

namespace CallJoin.Routing.Tests;

/// <summary>The migration state refresh loop: retried every second until the first load, then on its interval.</summary>
public sealed class RefreshLoopTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_state_loads_a_second_after_the_schema_appears_and_failures_are_logged_once_per_interval()
    {
        var name = await clickHouse.CreateDatabaseAsync("refresh");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(name));
        using var meter = new Meter("test.refresh");
        using var measurements = new MeasurementLog(meter);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-05T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var log = new RecordingLogger();
        var options = new RoutingOptions { StateRefreshInterval = TimeSpan.FromMinutes(1) };
        var router = new CallRouter(client, name, () => options, new RoutingMetrics(meter), log, time);
        using var stop = new CancellationTokenSource();

        var loop = router.RunRefreshLoopAsync(stop.Token);
        await Within(log.WhenLoggedAsync(602), "the first failed refresh (no tables yet) was not logged");
        await AdvanceUntil(time, () => measurements.Sum("calljoin.route.state_refresh_failures") >= 3, "the refresh was not retried every second");
        Assert.Single(log.Lines, l => l.EventId == 602); // further failures within the interval are counted, not logged
        Assert.False(router.State.IsLoaded);

        await new SchemaMigrator(client, name).MigrateAsync();
        await AdvanceUntil(time, () => router.State.IsLoaded, "the state did not load once the tables existed");
        await Within(log.WhenLoggedAsync(603), "the first load was not logged");   // logged by the loop just after the state is set

        await stop.CancelAsync();
        await Within(loop, "the loop did not stop when cancelled");
    }

    /// <summary>Moves fake time a second at a time until <paramref name="done"/>, each step bounded.</summary>
    private static async Task AdvanceUntil(FakeTimeProvider time, Func<bool> done, string failure)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, TestContext.Current.CancellationToken); // lets the loop run its refresh (real I/O)
        }
    }

    private static async Task Within(Task task, string failure)
    {
        try
        {
            await task.WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            Assert.Fail(failure);
        }
    }
}
