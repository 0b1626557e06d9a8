using System.Globalization;
using CallJoin.ClickHouse;

namespace CallJoin.Cli;

/// <summary>The <c>--name value</c> / <c>--flag</c> options and positional arguments after a command name.</summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string?> _named = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public bool Help => Flag("help") || Flag("h");

    public static CommandOptions Parse(ReadOnlySpan<string> args)
    {
        var options = new CommandOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                options.Positional.Add(arg);
                continue;
            }

            var name = arg.TrimStart('-');
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            options._named[name] = value;
        }

        return options;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _named.ContainsKey(name);
    }

    /// <summary>The ClickHouse endpoint from the environment, with <c>--clickhouse</c> and <c>--database</c> applied.</summary>
    public ClickHouseEndpoint ClickHouseFromEnvironment()
    {
        var endpoint = ClickHouseEndpoint.FromEnvironment();
        return endpoint with
        {
            ConnectionString = String("clickhouse") ?? endpoint.ConnectionString,
            Database = String("database") ?? endpoint.Database,
        };
    }

    public string? String(string name)
    {
        _read.Add(name);
        return _named.TryGetValue(name, out var v) ? v : null;
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback)
    {
        var text = String(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new CommandLineException($"--{name} expects a whole number, got '{text}'.");
    }

    /// <summary>Fails on options that no part of the command asked about, so typos do not pass silently.</summary>
    public void RejectUnknown()
    {
        var unknown = _named.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new CommandLineException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}

/// <summary>A usage error: reported as one line and exit code 2, without a stack trace.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
