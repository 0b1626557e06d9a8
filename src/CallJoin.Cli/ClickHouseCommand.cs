using System.CommandLine;
using System.Net;
using CallJoin.EmbeddedClickHouse;

namespace CallJoin.Cli;

/// <summary><c>calljoin clickhouse</c>: the embedded ClickHouse engine over its HTTP interface, until stopped.</summary>
internal static class ClickHouseCommand
{
    /// <summary>The <c>clickhouse</c> command.</summary>
    public static Command Create()
    {
        var data = CliOptions.Text("--data", "DIR", "the data directory; it persists across restarts", Path.Combine(".data", "clickhouse"));
        var port = CliOptions.Int("--port", 8123, "the HTTP port; 0 picks a free port", min: 0, max: 65_535);
        var address = CliOptions.Text("--address", "IP", "the address to listen on; 0.0.0.0 for every interface", "127.0.0.1");
        address.Validators.Add(r =>
        {
            if (r.ValidValue(address) is { } text && Address(text) is null)
            {
                r.AddError($"--address must be an IP address (or localhost), got '{text}'.");
            }
        });
        var user = CliOptions.Text("--user", "NAME", "the one user accepted (default: WF_CLICKHOUSE_USER, or default)");
        var password = new Option<string?>("--password") { HelpName = "P", Description = "its password (default: WF_CLICKHOUSE_PASS, or empty; prefer the variable)" };
        var command = new Command("clickhouse", """
            run the embedded ClickHouse engine over its HTTP interface on 127.0.0.1 until stopped

            Serves the embedded ClickHouse engine (chDB) over ClickHouse's HTTP interface, so ClickHouse.Driver, curl or
            `calljoin migrate` use it like a server. It accepts one user and password, sent as ClickHouse takes them
            (X-ClickHouse-User/Key headers, HTTP Basic, or user/password URL parameters), and only requests whose Host
            header names this server. Prefer WF_CLICKHOUSE_PASS to --password: the environment is the same one the service
            reads, and a command line is visible to every user of the machine. The data directory persists across
            restarts. Stop with Ctrl-C.
            """) { data, port, address, user, password };
        command.SetAction((parse, stop) => RunAsync(
            new EmbeddedClickHouseOptions
            {
                DataPath = parse.GetValue(data)!,
                Port = parse.GetValue(port),
                Address = Address(parse.GetValue(address)!)!,
                User = parse.GetValue(user) ?? NonEmpty(Environment.GetEnvironmentVariable("WF_CLICKHOUSE_USER")) ?? "default",
                Password = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("WF_CLICKHOUSE_PASS") ?? "",
            },
            stop));
        return command;
    }

    private static async Task<int> RunAsync(EmbeddedClickHouseOptions settings, CancellationToken stop)
    {
        var (address, password, user) = (settings.Address, settings.Password, settings.User);
        if (!IPAddress.IsLoopback(address) && password.Length == 0)
        {
            Console.Error.WriteLine($"clickhouse: warning: listening on {address} with an empty password; anyone who reaches it can read and write");
        }

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

    private static IPAddress? Address(string text) =>
        string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(text, out var parsed) ? parsed
            : null;

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
