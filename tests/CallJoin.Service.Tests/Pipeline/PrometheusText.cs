using System.Globalization;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Reads samples out of a Prometheus text exposition.</summary>
internal static class PrometheusText
{
    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain all of <paramref name="labels"/> (e.g. <c>side="start"</c>).</summary>
    public static double Sum(string text, string name, params string[] labels)
    {
        double sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }

            if (labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    /// <summary>Whether any sample of <paramref name="name"/> is present.</summary>
    public static bool Has(string text, string name) =>
        text.Split('\n').Any(l => l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ');
}
