using System.CommandLine;
using CallJoin.ClickHouse;

namespace CallJoin.Cli;

/// <summary><c>--clickhouse</c> and <c>--database</c>: the ClickHouse endpoint from the environment, overridden per option.</summary>
internal sealed class ClickHouseOptions
{
    /// <summary>The connection string; default CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS.</summary>
    public Option<string?> ConnectionString { get; } = CliOptions.Text("--clickhouse", "CONNECTION-STRING",
        "ClickHouse connection string (default: CALLJOIN_CLICKHOUSE, or WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS; localhost:8123)");

    /// <summary>The database; default WF_CLICKHOUSE_DATABASE or <c>default</c>.</summary>
    public Option<string?> Database { get; } = CliOptions.Text("--database", "NAME", "database (default: WF_CLICKHOUSE_DATABASE, or 'default')");

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(ConnectionString);
        command.Add(Database);
    }

    /// <summary>The endpoint from the environment, with the options given applied.</summary>
    public ClickHouseEndpoint Resolve(ParseResult parse)
    {
        var endpoint = ClickHouseEndpoint.FromEnvironment();
        return endpoint with
        {
            ConnectionString = parse.GetValue(ConnectionString) ?? endpoint.ConnectionString,
            Database = parse.GetValue(Database) ?? endpoint.Database,
        };
    }
}
