using System.Globalization;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Embedded;

/// <summary>Suspending the listener looks like an unreachable server; resuming brings back the same data.</summary>
[Collection(nameof(SuspendResumeTests))]
[CollectionDefinition(nameof(SuspendResumeTests), DisableParallelization = true)]
public sealed class SuspendResumeTests(ClickHouseFixture clickHouse)
{
    [Fact]
    public async Task A_suspended_endpoint_refuses_connections_and_resumes_with_its_data()
    {
        var db = await clickHouse.CreateDatabaseAsync("suspend");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        await client.ExecuteNonQueryAsync("CREATE TABLE t (id UInt64) ENGINE = MergeTree ORDER BY id");
        await client.ExecuteNonQueryAsync("INSERT INTO t SELECT number FROM numbers(100)");

        await clickHouse.Server.SuspendAsync();
        try
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.ExecuteScalarAsync("SELECT count() FROM t"));
        }
        finally
        {
            await clickHouse.Server.ResumeAsync();
        }

        Assert.Equal(100UL, Convert.ToUInt64(await client.ExecuteScalarAsync("SELECT count() FROM t"), CultureInfo.InvariantCulture));
    }
}
