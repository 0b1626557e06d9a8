using CallJoin.ClickHouse.Lookup;
using CallJoin.ClickHouse.Sink;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Lookup;

/// <summary>How lookups fail: classified as the sink classifies inserts, so the caller retries only what can succeed.</summary>
public sealed class LookupFailureTests(ClickHouseFixture clickHouse)
{
    private static readonly LookupKey[] Keys = [LookupKey.From("p", "a")];

    [Fact]
    public async Task A_missing_table_fails_for_good()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_fail");
        var lookup = db.Lookup(options: new SinkOptions { CallsTable = "no_such_table", ErrorsTable = "no_such_errors" });

        var calls = await Assert.ThrowsAnyAsync<Exception>(() => lookup.FindCallsAsync(Keys, TestContext.Current.CancellationToken));
        var errors = await Assert.ThrowsAnyAsync<Exception>(() => lookup.FindStartMissingAsync(Keys, TestContext.Current.CancellationToken));

        Assert.False(lookup.IsTransient(calls));
        Assert.False(lookup.IsTransient(errors));
    }

    [Fact]
    public async Task An_unreachable_server_is_worth_retrying()
    {
        // A port nobody listens on: bind one, note it, release it.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new ClickHouseClient($"Host=127.0.0.1;Port={port};Protocol=http");
        var lookup = new LatePartnerLookup(client, new SinkOptions());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => lookup.FindCallsAsync(Keys, TestContext.Current.CancellationToken));

        Assert.True(lookup.IsTransient(error), error.ToString());
    }

    [Fact]
    public async Task A_cancelled_lookup_stops_and_no_keys_send_no_query()
    {
        using var db = await LookupDatabase.CreateAsync(clickHouse, "lookup_cancel");
        var lookup = db.Lookup();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup.FindCallsAsync(Keys, cancelled.Token));
        var queries = db.Queries;
        Assert.Empty(await lookup.FindCallsAsync([], TestContext.Current.CancellationToken));
        Assert.Empty(await lookup.FindStartMissingAsync([], TestContext.Current.CancellationToken));
        Assert.Equal(queries, db.Queries);
    }
}
