namespace CallJoin.Cli;

/// <summary>Dispatches <c>calljoin COMMAND [options]</c> to the command that implements it.</summary>
internal static class CommandLine
{
    private const string Usage = """
        calljoin — joins Weave call starts and ends into one row per call in ClickHouse.

        usage: calljoin COMMAND [options]

        commands:
          run          the service: Kafka -> join -> ClickHouse, with /metrics, /healthz and /readyz
          demo         the main job on embedded defaults: broker, ClickHouse, a Weave-like workload and the service
          replay       replay kcat -J dumps through the join engine into ClickHouse or a JSONL file
          record       write topic ranges from Kafka into a kcat -J dump (plain or .gz)
          broker       run the embedded Kafka-protocol broker on 127.0.0.1 until stopped
          clickhouse   run the embedded ClickHouse engine over its HTTP interface on 127.0.0.1 until stopped
          migrate      create or upgrade the calls_complete schema in a ClickHouse database
          backfill     copy calls_merged into calls_complete, day by day, resumably (the migration's backfill)
          produce      publish generated call starts and ends to Kafka (load)

        Run 'calljoin COMMAND --help' for a command's options.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });

        var options = CommandOptions.Parse(args.AsSpan(1));
        try
        {
            return args[0] switch
            {
                "run" => await RunCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "replay" => await ReplayCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "record" => await RecordCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "broker" => await BrokerCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "clickhouse" => await ClickHouseCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "migrate" => await MigrateCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "backfill" => await BackfillCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "demo" => await DemoCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                "produce" => await ProduceCommand.RunAsync(options, stop.Token).ConfigureAwait(false),
                _ => UnknownCommand(args[0]),
            };
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"calljoin {args[0]}: stopped").ConfigureAwait(false);
            return 130;
        }
        catch (IOException ex)
        {
            // A port in use, a missing or unreadable file: one clear line, not a stack trace.
            await Console.Error.WriteLineAsync($"calljoin {args[0]}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (CommandLineException ex)
        {
            await Console.Error.WriteLineAsync($"calljoin {args[0]}: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
    }

    private static int UnknownCommand(string name)
    {
        Console.Error.WriteLine($"calljoin: unknown command '{name}'.");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
