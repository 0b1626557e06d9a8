using CallJoin.EmbeddedClickHouse;

namespace CallJoin.Cli;

/// <summary><c>calljoin clickhouse</c>: the embedded ClickHouse engine over its HTTP interface, until stopped.</summary>
internal static class ClickHouseCommand
{
    private const string Help = """
        usage: calljoin clickhouse [--data DIR (default .data/clickhouse)] [--port N (default 8123; 0 picks a free port)]

        Serves the embedded ClickHouse engine (chDB) on 127.0.0.1 over ClickHouse's HTTP interface, so ClickHouse.Driver,
        curl or `calljoin migrate` use it like a server. The data directory persists across restarts. Stop with Ctrl-C.
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
        options.RejectUnknown();
        if (port is < 0 or > 65535)
        {
            throw new CommandLineException($"--port must be 0-65535, got {port}.");
        }

        await using var server = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = data, Port = port }, stop)
            .ConfigureAwait(false);
        Console.WriteLine($"clickhouse: ClickHouse {server.EngineVersion} listening on {server.Endpoint} (data in {server.DataPath})");
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
}
