using System.Net;
using CallJoin.EmbeddedClickHouse;

namespace CallJoin.Cli;

/// <summary><c>calljoin clickhouse</c>: the embedded ClickHouse engine over its HTTP interface, until stopped.</summary>
internal static class ClickHouseCommand
{
    private const string Help = """
        usage: calljoin clickhouse [--data DIR (default .data/clickhouse)] [--port N (default 8123; 0 picks a free port)]
                                   [--address IP (default 127.0.0.1; 0.0.0.0 for every interface)]
                                   [--user NAME (default $WF_CLICKHOUSE_USER or default)] [--password P (default $WF_CLICKHOUSE_PASS or empty)]

        Serves the embedded ClickHouse engine (chDB) over ClickHouse's HTTP interface, so ClickHouse.Driver, curl or
        `calljoin migrate` use it like a server. It accepts one user and password, sent as ClickHouse takes them
        (X-ClickHouse-User/Key headers, HTTP Basic, or user/password URL parameters), and only requests whose Host
        header names this server. Prefer WF_CLICKHOUSE_PASS to --password: the environment is the same one the service
        reads, and a command line is visible to every user of the machine. The data directory persists across
        restarts. Stop with Ctrl-C.
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var data = options.String("data", Path.Combine(".data", "clickhouse"));
        var port = options.Int("port", 8123);
        var addressText = options.String("address", "127.0.0.1");
        var user = options.String("user") ?? NonEmpty(Environment.GetEnvironmentVariable("WF_CLICKHOUSE_USER")) ?? "default";
        var password = options.String("password") ?? Environment.GetEnvironmentVariable("WF_CLICKHOUSE_PASS") ?? "";
        options.RejectUnknown();
        if (port is < 0 or > 65535)
        {
            throw new CommandLineException($"--port must be 0-65535, got {port}.");
        }

        var address = string.Equals(addressText, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(addressText, out var parsed) ? parsed
            : throw new CommandLineException($"--address must be an IP address (or localhost), got '{addressText}'.");
        if (!IPAddress.IsLoopback(address) && password.Length == 0)
        {
            Console.Error.WriteLine($"clickhouse: warning: listening on {address} with an empty password; anyone who reaches it can read and write");
        }

        var settings = new EmbeddedClickHouseOptions { DataPath = data, Port = port, Address = address, User = user, Password = password };
        await using var server = await EmbeddedClickHouseServer.StartAsync(settings, stop).ConfigureAwait(false);
        Console.WriteLine($"clickhouse: ClickHouse {server.EngineVersion} listening on {server.Endpoint} as user {user} (data in {server.DataPath})");
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("clickhouse: stopped");
        return 0;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
