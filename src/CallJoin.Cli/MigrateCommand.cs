using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;

namespace CallJoin.Cli;

/// <summary><c>calljoin migrate</c>: brings the configured ClickHouse database to the latest schema version.</summary>
internal static class MigrateCommand
{
    private const string Help = """
        usage: calljoin migrate [--clickhouse CONNECTION-STRING] [--database NAME]

        Creates the database if needed and applies every pending schema step (idempotent).
        Defaults come from CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS and WF_CLICKHOUSE_DATABASE
        (localhost:8123, database 'default').
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var endpoint = options.ClickHouseFromEnvironment();
        options.RejectUnknown();

        using var client = new ClickHouseClient(endpoint.ConnectionString);
        var applied = await new SchemaMigrator(client, endpoint.Database).MigrateAsync(ct: stop).ConfigureAwait(false);
        Console.WriteLine(applied.Count == 0
            ? $"migrate: database '{endpoint.Database}' is current (version {CallJoinMigrations.All[^1].Version})"
            : $"migrate: applied {string.Join(", ", applied)} to database '{endpoint.Database}'");
        return 0;
    }
}
