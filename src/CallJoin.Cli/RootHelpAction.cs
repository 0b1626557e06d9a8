using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace CallJoin.Cli;

/// <summary>
/// <c>--help</c>: for <c>calljoin</c> itself a list of the commands with the first line of each description (the
/// standard help would print every command's whole description); for a command, the standard help.
/// </summary>
internal sealed class RootHelpAction(HelpAction standard) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        if (parseResult.CommandResult.Command is not RootCommand root)
        {
            return standard.Invoke(parseResult);
        }

        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine(root.Description);
        output.WriteLine();
        output.WriteLine("Usage: calljoin COMMAND [options]");
        output.WriteLine();
        output.WriteLine("Commands:");
        var width = root.Subcommands.Max(c => c.Name.Length) + 2;
        foreach (var command in root.Subcommands)
        {
            output.WriteLine($"  {command.Name.PadRight(width)} {command.Description?.Split('\n')[0]}");
        }

        output.WriteLine();
        output.WriteLine("Run 'calljoin COMMAND --help' for a command's options. Tab completion: see README.md.");
        return 0;
    }
}
