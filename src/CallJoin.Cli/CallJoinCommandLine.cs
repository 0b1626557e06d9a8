using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;

namespace CallJoin.Cli;

/// <summary>The <c>calljoin</c> command tree and its invocation: usage errors, Ctrl+C and SIGTERM, exit codes.</summary>
internal static class CallJoinCommandLine
{
    /// <summary>Exit code of a usage error: an unknown command or option, a missing or bad value.</summary>
    public const int UsageError = 2;

    /// <summary>The root command with every <c>calljoin</c> command.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("calljoin — joins Weave call starts and ends into one row per call in ClickHouse.")
        {
            RunCommand.Create(),
            DemoCommand.Create(),
            ReplayCommand.Create(),
            RecordCommand.Create(),
            BrokerCommand.Create(),
            ClickHouseCommand.Create(),
            MigrateCommand.Create(),
            BackfillCommand.Create(),
            ValidateCommand.Create(),
            ProduceCommand.Create(),
        };

        // The root's help lists each command with the first line of its description; a command's own help shows it all.
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            option.Action = new RootHelpAction((HelpAction)option.Action!);
        }

        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the process's exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = CreateRoot();
        if (args is ["help", .. var rest])
        {
            args = [.. rest, "--help"];   // 'calljoin help [COMMAND]' still works
        }

        // No response files: an argument starting with '@' is a path or a value, as it always was.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var name = parse.CommandResult.Command == root ? "calljoin" : "calljoin " + parse.CommandResult.Command.Name;
        if (parse.Action is ParseErrorAction)
        {
            if (args.Length == 0)
            {
                await root.Parse(["--help"]).InvokeAsync().ConfigureAwait(false);
                return UsageError;
            }

            // One line: the error about the first word not understood, else the first error; the others mostly follow from it.
            var error = parse.UnmatchedTokens.Count > 0
                ? parse.Errors.FirstOrDefault(e => e.Message.Contains($"'{parse.UnmatchedTokens[0]}'", StringComparison.Ordinal)) ?? parse.Errors[0]
                : parse.Errors[0];
            await Console.Error.WriteLineAsync($"{name}: {error.Message} (see '{name} --help')").ConfigureAwait(false);
            return UsageError;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        try
        {
            // Our own signal handling: the service drains and commits on SIGTERM, however long that takes.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await parse.InvokeAsync(invocation, stop.Token).ConfigureAwait(false);
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
        catch (CommandLineException ex)
        {
            await Console.Error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
            return UsageError;
        }
    }
}
