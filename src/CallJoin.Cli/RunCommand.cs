using CallJoin.Service.Hosting;

namespace CallJoin.Cli;

/// <summary><c>calljoin run</c>: the service — Kafka to the join engine to ClickHouse — until SIGTERM or Ctrl+C.</summary>
/// <remarks>The service itself is <see cref="ServiceCommand"/>, which the service-only <c>calljoin-service</c> executable runs too.</remarks>
internal static class RunCommand
{
    private const string Help = "usage: calljoin run [--config FILE]\n\n" + ServiceCommand.Description;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var config = options.String("config");
        options.RejectUnknown();
        return await ServiceCommand.RunAsync(config, "calljoin run", stop).ConfigureAwait(false);
    }
}
