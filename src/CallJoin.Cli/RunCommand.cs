using System.CommandLine;
using CallJoin.Service.Hosting;

namespace CallJoin.Cli;

/// <summary><c>calljoin run</c>: the service — Kafka to the join engine to ClickHouse — until SIGTERM or Ctrl+C.</summary>
/// <remarks>The service itself is <see cref="ServiceCommand"/>, which the service-only <c>calljoin-service</c> executable runs too.</remarks>
internal static class RunCommand
{
    /// <summary>The <c>run</c> command.</summary>
    public static Command Create()
    {
        var config = CliOptions.Text("--config", "FILE", "a JSON settings file, applied over ./appsettings.json and under the environment");
        var command = new Command("run", "the service: Kafka -> join -> ClickHouse, with /metrics, /healthz and /readyz\n\n" + ServiceCommand.Description) { config };
        command.SetAction((parse, stop) => ServiceCommand.RunAsync(parse.GetValue(config), "calljoin run", stop));
        return command;
    }
}
