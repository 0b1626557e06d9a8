using System.Text.RegularExpressions;

namespace CallJoin.Service.Tests.Operations;

/// <summary>The metric names a PromQL expression reads: every identifier that is not a function, keyword, label or Grafana variable.</summary>
/// <remarks>
/// Enough PromQL for dashboards and rules: string literals, label matchers (<c>{…}</c>), ranges and subqueries
/// (<c>[…]</c>) and grouping lists (<c>by (…)</c>, <c>on (…)</c>…) are removed first, so label names cannot pass as
/// metric names; what is left followed by <c>(</c> is a function call.
/// </remarks>
internal static partial class PromQlNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan",
        "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    };

    /// <summary>The metric names in <paramref name="expression"/>, each once.</summary>
    public static IReadOnlySet<string> Of(string expression)
    {
        var text = Strings().Replace(expression, " ");
        text = Matchers().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        text = Variables().Replace(text, " 1 ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(text))
        {
            var name = m.Groups["name"].Value;
            var isCall = m.Groups["call"].Success;
            if (!isCall && !Keywords.Contains(name) && !char.IsDigit(name[0]))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>The metric of a Grafana variable query <c>label_values(metric, label)</c>, or the names of any other query.</summary>
    public static IReadOnlySet<string> OfVariableQuery(string query)
    {
        var labelValues = LabelValues().Match(query);
        return labelValues.Success ? Of(labelValues.Groups["metric"].Value) : Of(query);
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z_]+)?\}?")]
    private static partial Regex Variables();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^\s*label_values\s*\((?<metric>[^,]+),")]
    private static partial Regex LabelValues();
}
