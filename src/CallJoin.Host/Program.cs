using CallJoin.Service.Hosting;

// calljoin-service [--config FILE]: the service as `calljoin run` runs it (same configuration, logs and exit codes),
// without the CLI's embedded engines and tooling.
const string Name = "calljoin-service";
const string Usage = "usage: calljoin-service [--config FILE]";

string? config = null;
for (var i = 0; i < args.Length; i++)
{
    var arg = args[i];
    if (arg is "-h" or "--help")
    {
        Console.WriteLine(Usage + Environment.NewLine + Environment.NewLine + ServiceCommand.Description);
        return 0;
    }

    if (arg == "--config")
    {
        if (i + 1 == args.Length)
        {
            await Console.Error.WriteLineAsync($"{Name}: --config needs a file{Environment.NewLine}{Usage}").ConfigureAwait(false);
            return 2;
        }

        config = args[++i];
    }
    else if (arg.StartsWith("--config=", StringComparison.Ordinal))
    {
        config = arg["--config=".Length..];
    }
    else
    {
        await Console.Error.WriteLineAsync($"{Name}: unknown argument '{arg}'{Environment.NewLine}{Usage}").ConfigureAwait(false);
        return 2;
    }
}

return await ServiceCommand.RunUntilSignalledAsync(config, Name).ConfigureAwait(false);
