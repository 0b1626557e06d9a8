using System.Diagnostics;
using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.EmbeddedClickHouse;
using ClickHouse.Driver;

namespace CallJoin.Bench;

/// <summary>
/// The ClickHouse a scenario writes to, the embedded engine or an external server named by --clickhouse, with the
/// scenario's database migrated and a client on it.
/// </summary>
internal sealed class BenchTarget : IAsyncDisposable
{
    private readonly EmbeddedClickHouseServer? _embedded;

    private BenchTarget(EmbeddedClickHouseServer? embedded, string connectionString, string description, Uri endpoint, string database)
    {
        _embedded = embedded;
        ConnectionString = connectionString;
        Description = description;
        Endpoint = endpoint;
        Database = database;
        Client = new ClickHouseClient(connectionString);
    }

    /// <summary>The server's connection string (its default database).</summary>
    public string ConnectionString { get; }

    /// <summary>What the results table says was measured.</summary>
    public string Description { get; }

    /// <summary>The HTTP interface, for the raw POST ceiling.</summary>
    public Uri Endpoint { get; }

    /// <summary>The scenario's database, migrated; queries name it.</summary>
    public string Database { get; }

    /// <summary>A client on the server's default database.</summary>
    public ClickHouseClient Client { get; }

    /// <summary>
    /// Starts the target --clickhouse names (the embedded engine without it) and applies every schema migration to
    /// <paramref name="database"/>, dropped first when <paramref name="dropFirst"/>.
    /// </summary>
    public static async Task<BenchTarget> StartAsync(string[] args, string scenario, string database = "bench", bool dropFirst = false)
    {
        var target = await StartServerAsync(BenchArgs.String(args, "--clickhouse"), scenario, database).ConfigureAwait(false);
        try
        {
            if (dropFirst)
            {
                await target.Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {database}").ConfigureAwait(false);
            }

            await new SchemaMigrator(target.Client, database).MigrateAsync().ConfigureAwait(false);
            return target;
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Empties calls_complete, times <paramref name="insert"/> of <paramref name="rows"/> rows (<paramref name="bytes"/>
    /// of RowBinary), checks count() found them all, and prints and returns the results row.
    /// </summary>
    public async Task<string> MeasureInsertAsync(string name, long rows, long bytes, Func<Task> insert)
    {
        await Client.ExecuteNonQueryAsync($"TRUNCATE TABLE {Database}.calls_complete").ConfigureAwait(false);
        var t = Stopwatch.StartNew();
        await insert().ConfigureAwait(false);
        var seconds = t.Elapsed.TotalSeconds;
        var count = Convert.ToInt64(await Client.ExecuteScalarAsync($"SELECT count() FROM {Database}.calls_complete").ConfigureAwait(false), CultureInfo.InvariantCulture);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {rows / seconds:N0} | {bytes / seconds / 1e6:F0} | {seconds:F1} | {(count == rows ? "ok" : $"MISMATCH {count}")} |");
        Console.WriteLine(line);
        return line;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<BenchTarget> StartServerAsync(string? external, string scenario, string database)
    {
        if (external is not null)
        {
            var b = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = external };
            var host = b.TryGetValue("Host", out var h) ? h : "localhost";
            var port = b.TryGetValue("Port", out var p) ? p : "8123";
            return new BenchTarget(null, external, "external ClickHouse", new Uri($"http://{host}:{port}/"), database);
        }

        var dataPath = Path.Combine(Path.GetTempPath(), $"calljoin-bench-{scenario}-{Environment.ProcessId}");
        var embedded = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = dataPath }).ConfigureAwait(false);
        return new BenchTarget(embedded, embedded.ConnectionString, $"embedded chDB {embedded.EngineVersion}", embedded.Endpoint, database);
    }
}
