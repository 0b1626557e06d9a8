namespace CallJoin.Cli;

/// <summary>A usage error found after parsing: reported as one line and exit code 2, without a stack trace.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
