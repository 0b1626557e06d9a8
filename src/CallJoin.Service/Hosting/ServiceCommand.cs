using System.Runtime.InteropServices;
using CallJoin.Service.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace CallJoin.Service.Hosting;

/// <summary>The service as a process: configuration read, the host run until stopped, the outcome as the exit code.</summary>
/// <remarks>
/// <c>calljoin run</c> and the <c>calljoin-service</c> executable both run through here, so they read the same
/// configuration, write the same logs and exit with the same codes; only the name on their standard-error lines differs.
/// </remarks>
public static class ServiceCommand
{
    /// <summary>What the service does and how it is configured, for a command's help (after its own usage line).</summary>
    public const string Description = """
        Runs the service: consumes weave.call_started and weave.call_ended, joins the halves and writes one row per
        call into calls_complete, committing offsets only behind durable rows. Serves /metrics (Prometheus),
        /healthz and /readyz on CallJoin:Http:Port (8080). Stops gracefully on SIGTERM: drains, flushes, commits.

        Configuration, last wins: ./appsettings.json, --config FILE, environment variables. The upstream names
        WF_KAFKA_BROKER_HOST/_PORT, WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS/_DATABASE, ENABLE_CALL_COMPLETION_WORKER,
        WF_CALL_COMPLETION_WORKER_BATCH_SIZE/_TIMEOUT, and ours as CallJoin:Section:Key (environment:
        CALLJOIN__SECTION__KEY), e.g. CALLJOIN__KAFKA__OWNERSHIP=static. See README.md for every key.

        Exit codes: 0 stopped gracefully; 1 a fatal error (Kafka, ClickHouse, the HTTP port, a missing --config file);
        2 invalid configuration or arguments; 130 stopped while the host was still starting.
        """;

    /// <summary>Runs the service until <paramref name="stop"/> is cancelled or a fatal error stops it, and returns the exit code.</summary>
    /// <param name="configFile">A JSON file read after <c>./appsettings.json</c> and before the environment, or null.</param>
    /// <param name="name">The command as its standard-error lines name it (<c>calljoin run</c>, <c>calljoin-service</c>).</param>
    /// <param name="stop">Cancelled on SIGTERM or Ctrl+C: the service drains, flushes and commits, then this returns.</param>
    /// <returns>0 after a graceful stop, 1 after a fatal error or an I/O error, 2 for invalid configuration, 130 when stopped while the host was starting.</returns>
    public static async Task<int> RunAsync(string? configFile, string name, CancellationToken stop)
    {
        try
        {
            WebApplication app;
            try
            {
                app = CallJoinHost.FromConfiguration(configFile);
            }
            catch (SettingsException ex)
            {
                await Console.Error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            await using (app.ConfigureAwait(false))
            {
                // The hosted service sets 1 when a fatal error stops the host.
                Environment.ExitCode = 0;
                await HostingAbstractionsHostExtensions.RunAsync(app, stop).ConfigureAwait(false);
                return Environment.ExitCode;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{name}: stopped").ConfigureAwait(false);
            return 130;
        }
        catch (IOException ex)
        {
            // A port in use, a missing or unreadable file: one clear line, not a stack trace.
            await Console.Error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Runs the service as <see cref="RunAsync"/> does, stopped by this process's SIGTERM or Ctrl+C.</summary>
    public static async Task<int> RunUntilSignalledAsync(string? configFile, string name)
    {
        using var stop = new CancellationTokenSource();
        void OnCancelKey(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            stop.Cancel();
        }

        Console.CancelKeyPress += OnCancelKey;
        try
        {
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                stop.Cancel();
            });
            return await RunAsync(configFile, name, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKey;
        }
    }
}
