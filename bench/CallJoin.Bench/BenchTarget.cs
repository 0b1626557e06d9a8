using CallJoin.EmbeddedClickHouse;

namespace CallJoin.Bench;

/// <summary>The ClickHouse a scenario writes to: the embedded engine, or an external server named by --clickhouse.</summary>
internal sealed class BenchTarget : IAsyncDisposable
{
    private readonly EmbeddedClickHouseServer? _embedded;

    private BenchTarget(EmbeddedClickHouseServer? embedded, string connectionString, string description, Uri endpoint)
    {
        _embedded = embedded;
        ConnectionString = connectionString;
        Description = description;
        Endpoint = endpoint;
    }

    public string ConnectionString { get; }

    /// <summary>What the results table says was measured.</summary>
    public string Description { get; }

    /// <summary>The HTTP interface, for the raw POST ceiling.</summary>
    public Uri Endpoint { get; }

    public static async Task<BenchTarget> StartAsync(string? external, string scenario)
    {
        if (external is not null)
        {
            var b = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = external };
            var host = b.TryGetValue("Host", out var h) ? h : "localhost";
            var port = b.TryGetValue("Port", out var p) ? p : "8123";
            return new BenchTarget(null, external, "external ClickHouse", new Uri($"http://{host}:{port}/"));
        }

        var dataPath = Path.Combine(Path.GetTempPath(), $"calljoin-bench-{scenario}-{Environment.ProcessId}");
        var embedded = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = dataPath }).ConfigureAwait(false);
        return new BenchTarget(embedded, embedded.ConnectionString, $"embedded chDB {embedded.EngineVersion}", embedded.Endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync().ConfigureAwait(false);
        }
    }
}
