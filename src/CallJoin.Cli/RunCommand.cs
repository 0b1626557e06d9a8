using System.CommandLine;
using CallJoin.Service.Hosting;
using CallJoin.Service.Settings;

namespace CallJoin.Cli;

/// <summary><c>calljoin run</c>: the service — Kafka to the join engine to ClickHouse — until SIGTERM or Ctrl+C.</summary>
internal static class RunCommand
{
    /// <summary>The <c>run</c> command.</summary>
    public static Command Create()
    {
        var config = CliOptions.Text("--config", "FILE", "a JSON settings file, applied over ./appsettings.json and under the environment");
        var command = new Command("run", """
            the service: Kafka -> join -> ClickHouse, with /metrics, /healthz and /readyz

            Consumes weave.call_started and weave.call_ended, joins the halves and writes one row per call into
            calls_complete, committing offsets only behind durable rows. Serves /metrics (Prometheus), /healthz and
            /readyz on CallJoin:Http:Port (8080). Stops gracefully on SIGTERM: drains, flushes, commits.

            Configuration, last wins: ./appsettings.json, --config FILE, environment variables. The upstream names
            WF_KAFKA_BROKER_HOST/_PORT, WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS/_DATABASE, ENABLE_CALL_COMPLETION_WORKER,
            WF_CALL_COMPLETION_WORKER_BATCH_SIZE/_TIMEOUT, and ours as CallJoin:Section:Key (environment:
            CALLJOIN__SECTION__KEY), e.g. CALLJOIN__KAFKA__OWNERSHIP=static. See README.md for every key.
            """) { config };
        command.SetAction((parse, stop) => RunAsync(parse.GetValue(config), stop));
        return command;
    }

    private static async Task<int> RunAsync(string? config, CancellationToken stop)
    {
        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            app = CallJoinHost.FromConfiguration(config);
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteLineAsync("calljoin run: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            Environment.ExitCode = 0;
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, stop).ConfigureAwait(false);
            return Environment.ExitCode;
        }
    }
}
