using System.Globalization;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;

namespace CallJoin.Testing;

/// <summary>A migrated database of its own for one test (or test class), and a client whose default database it is.</summary>
public sealed class MigratedDatabase : IDisposable, IAsyncDisposable
{
    private MigratedDatabase(string name, ClickHouseClient client) => (Name, Client) = (name, client);

    /// <summary>The database's name (unquoted).</summary>
    public string Name { get; }

    /// <summary>A client whose default database this is; owned by this object.</summary>
    public ClickHouseClient Client { get; }

    /// <summary>Creates a database named from <paramref name="prefix"/> and applies every schema migration to it.</summary>
    public static async Task<MigratedDatabase> CreateAsync(ClickHouseFixture clickHouse, string prefix)
    {
        ArgumentNullException.ThrowIfNull(clickHouse);
        var name = await clickHouse.CreateDatabaseAsync(prefix);
        var client = new ClickHouseClient(clickHouse.ConnectionStringFor(name));
        try
        {
            await new SchemaMigrator(client, name).MigrateAsync();
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new MigratedDatabase(name, client);
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

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        return ValueTask.CompletedTask;
    }
}
