using System.Data.Common;

namespace CallJoin.ClickHouse;

/// <summary>Where ClickHouse is and which database holds the tables, from configuration or the upstream variables.</summary>
public sealed record ClickHouseEndpoint(string ConnectionString, string Database)
{
    /// <summary>The upstream default: a server on <c>localhost:8123</c>, database <c>default</c>.</summary>
    public static ClickHouseEndpoint Default { get; } = new("Host=localhost;Port=8123;Protocol=http", "default");

    /// <summary>
    /// Reads <c>CALLJOIN_CLICKHOUSE</c> (a ClickHouse.Driver connection string) or else the upstream variables
    /// <c>WF_CLICKHOUSE_HOST</c>, <c>WF_CLICKHOUSE_PORT</c>, <c>WF_CLICKHOUSE_USER</c>, <c>WF_CLICKHOUSE_PASS</c>;
    /// the database from <c>WF_CLICKHOUSE_DATABASE</c> (default <c>default</c>).
    /// </summary>
    public static ClickHouseEndpoint FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var database = NonEmpty(read("WF_CLICKHOUSE_DATABASE")) ?? Default.Database;
        var full = NonEmpty(read("CALLJOIN_CLICKHOUSE"));
        if (full is not null)
        {
            return new(full, database);
        }

        var builder = new DbConnectionStringBuilder
        {
            ["Host"] = NonEmpty(read("WF_CLICKHOUSE_HOST")) ?? "localhost",
            ["Port"] = Port(NonEmpty(read("WF_CLICKHOUSE_PORT")) ?? "8123"),
            ["Protocol"] = "http",
        };
        if (NonEmpty(read("WF_CLICKHOUSE_USER")) is { } user)
        {
            builder["Username"] = user;
        }

        if (read("WF_CLICKHOUSE_PASS") is { Length: > 0 } pass)
        {
            builder["Password"] = pass;
        }

        return new(builder.ConnectionString, database);
    }

    /// <summary>The connection string with <c>Database</c> set, for a client whose unqualified names mean this database.</summary>
    public string ConnectionStringForDatabase()
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = ConnectionString };
        builder["Database"] = Database;
        return builder.ConnectionString;
    }

    /// <summary>Names the endpoint with its password masked, so logging it (or a record holding it) leaks no credential.</summary>
    public override string ToString()
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = ConnectionString;
        }
        catch (ArgumentException)
        {
            return $"ClickHouseEndpoint {{ Database = {Database} }}";   // unparseable: show nothing of it
        }

        foreach (var key in builder.Keys.Cast<string>().Where(k => k.Equals("Password", StringComparison.OrdinalIgnoreCase) || k.Equals("Pwd", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            builder[key] = "***";
        }

        return $"ClickHouseEndpoint {{ ConnectionString = {builder.ConnectionString}, Database = {Database} }}";
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Port(string text) =>
        ushort.TryParse(text, out var p) && p > 0
            ? p.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : throw new ArgumentException($"WF_CLICKHOUSE_PORT must be a TCP port (1-65535), got '{text}'.");
}
