using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>A migrated database of its own for one sink test, and a client whose default database it is.</summary>
internal sealed class SinkDatabase : IDisposable
{
    private SinkDatabase(string name, ClickHouseClient client) => (Name, Client) = (name, client);

    public string Name { get; }

    public ClickHouseClient Client { get; }

    public static async Task<SinkDatabase> CreateAsync(ClickHouseFixture clickHouse, string prefix)
    {
        var name = await clickHouse.CreateDatabaseAsync(prefix);
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(name));
        await new SchemaMigrator(client, name).MigrateAsync();
        // The error table comes with the migrations; this keeps the sink tests independent of that step's timing.
        await client.ExecuteNonQueryAsync(
            "CREATE TABLE IF NOT EXISTS calljoin_errors (reason String, payload String, topic String, partition Int32, offset Int64, " +
            "project_id String, call_id String, first_seen DateTime64(3), created_at DateTime64(3)) " +
            "ENGINE = ReplacingMergeTree ORDER BY (topic, partition, offset, reason)");
        return new SinkDatabase(name, client);
    }

    /// <summary>
    /// A count. Retried on a connection error: after the endpoint was suspended, a pooled keep-alive connection can be
    /// dead on first use (the sink retries such failures itself; a test query must too).
    /// </summary>
    public async Task<ulong> CountAsync(string sql)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Convert.ToUInt64(await Client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException) when (attempt < 3)
            {
            }
        }
    }

    public void Dispose() => Client.Dispose();
}
