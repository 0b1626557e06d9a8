using CallJoin.Testing;

namespace CallJoin.Cli.Tests;

/// <summary>The command line itself: help, usage errors and their exit code 2.</summary>
public sealed class CommandLineTests
{
    private static readonly string[] Commands = ["run", "demo", "replay", "record", "broker", "clickhouse", "migrate", "backfill", "validate", "produce"];

    [Fact]
    public async Task Help_lists_every_command_and_exits_0()
    {
        var (exitCode, output, _) = await CalljoinProcess.RunAsync("--help");

        Assert.Equal(0, exitCode);
        var listed = output.Split('\n').Select(l => l.Trim().Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        Assert.All(Commands, c => Assert.Contains(c, listed));
    }

    [Theory]
    [InlineData("produce", "--calls", "[default: 100000]")]
    [InlineData("replay", "--state-mib", "[default: 256]")]
    [InlineData("replay", "--threads", "join engines")]
    [InlineData("produce", "--compact", "ordinary halves")]
    [InlineData("backfill", "--cutoff", "MIGRATION_CUTOFF_DATE")]
    [InlineData("broker", "--partitions", "[default: 6]")]
    public async Task A_command_help_shows_its_options_with_defaults(string command, string option, string text)
    {
        var (exitCode, output, _) = await CalljoinProcess.RunAsync(command, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains(output.Split('\n'), line => line.TrimStart().StartsWith(option, StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("produce --calls many", "calljoin produce: --calls expects a whole number, got 'many'.")]
    [InlineData("produce --duplicates 1.5", "calljoin produce: --duplicates expects a fraction between 0 and 1, got '1.5'.")]
    [InlineData("produce --span forever", "calljoin produce: --span expects a duration such as 90s, 30m or 01:30:00, got 'forever'.")]
    [InlineData("broker --brokers 65", "calljoin broker: --brokers must be 1 to 64, got 65.")]
    [InlineData("record --out x.jsonl --from-time yesterday", "calljoin record: --from-time expects an ISO-8601 time such as 2025-03-01T12:00:00Z, got 'yesterday'.")]
    [InlineData("record --out x.jsonl --from-offset first", "calljoin record: --from-offset expects an offset (a whole number from 0), got 'first'.")]
    [InlineData("backfill --cutoff 2026-13-01", "calljoin backfill: --cutoff expects a day as YYYY-MM-DD, got '2026-13-01'.")]
    public async Task An_invalid_value_is_one_clear_line_and_exit_2(string commandLine, string error)
    {
        var (exitCode, output, errors) = await CalljoinProcess.RunAsync(commandLine.Split(' '));

        Assert.Equal(2, exitCode);
        Assert.Equal("", output.Trim());
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith(error, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("produce", "--bogus")]
    public async Task An_unknown_command_or_option_exits_2_naming_it(params string[] args)
    {
        var (exitCode, _, errors) = await CalljoinProcess.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains($"'{args[^1]}'", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_command_prints_the_usage_and_exits_2()
    {
        var (exitCode, output, _) = await CalljoinProcess.RunAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("calljoin COMMAND", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_suggest_directive_completes_commands_and_option_values()
    {
        var commands = await CalljoinProcess.RunAsync("[suggest:12]", "calljoin rep");
        var formats = await CalljoinProcess.RunAsync("[suggest:27]", "calljoin validate --format ");

        Assert.Equal(["replay"], commands.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(["json", "markdown", "md"], formats.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
