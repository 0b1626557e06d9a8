namespace CallJoin.Cli;

/// <summary>Placeholder until the command lands.</summary>
internal static class DemoCommand
{
    public static Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        _ = options;
        _ = stop;
        throw new CommandLineException("not implemented yet");
    }
}
