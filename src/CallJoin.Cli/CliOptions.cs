using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CallJoin.Cli;

/// <summary>Typed options whose bad values fail parsing with one clear line, e.g. "--calls expects a whole number, got 'x'."</summary>
internal static class CliOptions
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, <paramref name="fallback"/> when absent.</summary>
    public static Option<int> Int(string name, int fallback, string description, int min = int.MinValue, int max = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, fallback, text => ParseInt(r, name, text, min, max)),
    };

    /// <summary>A whole number with no default value (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue, int max = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r => Parse<int?>(r, null, text => ParseInt(r, name, text, min, max)),
    };

    /// <summary>A fraction from 0 to 1; the default is applied by the command (it may depend on another option).</summary>
    public static Option<double?> Fraction(string name, double fallback, string description) => new(name)
    {
        Description = $"{description} (default {fallback.ToString(CultureInfo.InvariantCulture)})",
        HelpName = "F",
        CustomParser = r => Parse<double?>(r, null, text =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
                ? value
                : Fail<double?>(r, $"{name} expects a fraction between 0 and 1, got '{text}'.")),
    };

    /// <summary>A duration: 1500ms, 90s, 30m, 2h, 1d or hh:mm:ss.</summary>
    public static Option<TimeSpan> Duration(string name, TimeSpan fallback, string description) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, fallback, text => ParseDuration(text) ?? Fail<TimeSpan>(r, $"{name} expects a duration such as 90s, 30m or 01:30:00, got '{text}'.")),
    };

    /// <summary>A UTC day as YYYY-MM-DD, null when absent.</summary>
    public static Option<DateOnly?> Day(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        CustomParser = r => Parse<DateOnly?>(r, null, text => ParseDay(text) ?? Fail<DateOnly?>(r, $"{name} expects a day as YYYY-MM-DD, got '{text}'.")),
    };

    /// <summary>An ISO-8601 time (UTC when no offset is given), null when absent.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "ISO-8601",
        CustomParser = r => Parse<DateTimeOffset?>(r, null, text =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time
                : Fail<DateTimeOffset?>(r, $"{name} expects an ISO-8601 time such as 2025-03-01T12:00:00Z, got '{text}'.")),
    };

    /// <summary>A Kafka offset (a whole number from 0), null when absent.</summary>
    public static Option<long?> Offset(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r => Parse<long?>(r, null, text =>
            long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                ? offset
                : Fail<long?>(r, $"{name} expects an offset (a whole number from 0), got '{text}'.")),
    };

    /// <summary>A comma-separated list without empty items; empty when absent (the command's own default applies).</summary>
    public static Option<string[]> List(string name, string helpName, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r => Parse<string[]>(r, [], text =>
            text.Split(',', StringSplitOptions.TrimEntries) is var items && items.All(i => i.Length > 0)
                ? items
                : Fail<string[]>(r, $"{name} expects a comma-separated list without empty items, got '{text}'.")),
    };

    /// <summary>A text value that must not be empty; <paramref name="fallback"/> (or null) when absent.</summary>
    public static Option<string?> Text(string name, string helpName, string description, string? fallback = null)
    {
        var option = new Option<string?>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = r => Parse(r, fallback, text => text.Length > 0 ? text : Fail<string?>(r, $"{name} needs a value.")),
        };
        if (fallback is not null)
        {
            option.DefaultValueFactory = _ => fallback;
        }

        return option;
    }

    /// <summary>An explicit <c>true</c> or <c>false</c>, <paramref name="fallback"/> when absent.</summary>
    public static Option<bool> Bool(string name, bool fallback, string description) => new(name)
    {
        Description = description,
        HelpName = "true|false",
        Arity = ArgumentArity.ExactlyOne,
        DefaultValueFactory = _ => fallback,
        CustomParser = r => Parse(r, fallback, text => text switch
        {
            "true" => true,
            "false" => false,
            _ => Fail<bool>(r, $"{name} expects true or false, got '{text}'."),
        }),
    };

    /// <summary>A flag: present means true (<c>--flag false</c> also parses).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>
    /// The value of <paramref name="option"/> for a validator, or the default when the option's own value failed to parse
    /// (that failure is reported already; reading it would throw).
    /// </summary>
    public static T? ValidValue<T>(this SymbolResult result, Option<T> option)
    {
        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>The value given on the command line for <paramref name="option"/>, null when it was not given.</summary>
    public static T? GivenValue<T>(this ParseResult parse, Option<T> option) =>
        parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : default;

    /// <summary>Parses a duration: 1500ms, 90s, 30m, 2h, 1d or hh:mm:ss; null when <paramref name="text"/> is none.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1)
            : text.EndsWith('m') ? (text[..^1], 60)
            : text.EndsWith('h') ? (text[..^1], 3600)
            : text.EndsWith('d') ? (text[..^1], 86400)
            : (text, 0.0);
        if (unit > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return TimeSpan.FromSeconds(value * unit);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
    }

    /// <summary>Parses a day as YYYY-MM-DD (surrounding blanks ignored); null when <paramref name="text"/> is none.</summary>
    public static DateOnly? ParseDay(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static T Parse<T>(ArgumentResult result, T fallback, Func<string, T> parse) =>
        result.Tokens.Count == 0 ? fallback : parse(result.Tokens[^1].Value);

    private static int ParseInt(ArgumentResult result, string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return Fail<int>(result, $"{name} expects a whole number, got '{text}'.");
        }

        return value < min ? Fail<int>(result, max == int.MaxValue ? $"{name} must be at least {min}, got {value}." : $"{name} must be {min} to {max}, got {value}.")
            : value > max ? Fail<int>(result, $"{name} must be {min} to {max}, got {value}.")
            : value;
    }

    private static T Fail<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}
