using CallJoin.EmbeddedClickHouse;
using ClickHouse.Driver;

namespace CallJoin.Testing;

/// <summary>
/// The embedded ClickHouse endpoint, started once per test assembly on a temporary data directory; each test asks
/// for its own database. Use with <c>[assembly: AssemblyFixture(typeof(ClickHouseFixture))]</c>.
/// </summary>
public sealed class ClickHouseFixture : IAsyncLifetime
{
    private readonly string _dataPath = TempDirectory.Create("calljoin-test-ch");
    private EmbeddedClickHouseServer? _server;
    private int _databases;

    /// <summary>The running endpoint.</summary>
    public EmbeddedClickHouseServer Server => _server ?? throw new InvalidOperationException("The ClickHouse fixture has not started.");

    /// <summary>A ClickHouse.Driver connection string for the endpoint (database <c>default</c>).</summary>
    public string ConnectionString => Server.ConnectionString;

    public async ValueTask InitializeAsync() =>
        _server = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = _dataPath });

    /// <summary>Creates an empty database with a unique name starting with <paramref name="prefix"/>.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        using var client = new ClickHouseClient(ConnectionString);
        await client.ExecuteNonQueryAsync($"CREATE DATABASE `{name}`");
        return name;
    }

    /// <summary>The connection string with <paramref name="database"/> as the default database.</summary>
    public string ConnectionStringFor(string database) => $"{ConnectionString};Database={database}";

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        TempDirectory.Delete(_dataPath);
    }
}
