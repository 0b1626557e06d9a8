using System.CommandLine;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;

namespace CallJoin.Cli;

/// <summary><c>calljoin migrate</c>: brings the configured ClickHouse database to the latest schema version.</summary>
internal static class MigrateCommand
{
    /// <summary>The <c>migrate</c> command.</summary>
    public static Command Create()
    {
        var clickHouse = new ClickHouseOptions();
        var command = new Command("migrate", """
            create or upgrade the calls_complete schema in a ClickHouse database

            Creates the database if needed and applies every pending schema step (idempotent).
            Defaults come from CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS and WF_CLICKHOUSE_DATABASE
            (localhost:8123, database 'default').
            """);
        clickHouse.AddTo(command);
        command.SetAction((parse, stop) => RunAsync(clickHouse.Resolve(parse), stop));
        return command;
    }

    private static async Task<int> RunAsync(ClickHouseEndpoint endpoint, CancellationToken stop)
    {
        using var client = new ClickHouseClient(endpoint.ConnectionString);
        var applied = await new SchemaMigrator(client, endpoint.Database).MigrateAsync(ct: stop).ConfigureAwait(false);
        Console.WriteLine(applied.Count == 0
            ? $"migrate: database '{endpoint.Database}' is current (version {CallJoinMigrations.All[^1].Version})"
            : $"migrate: applied {string.Join(", ", applied)} to database '{endpoint.Database}'");
        return 0;
    }
}
