using System.Globalization;
using System.Text.RegularExpressions;

namespace CallJoin.Bench;

/// <summary>
/// Scrapes of a service's <c>/metrics</c> over time, and the few PromQL computations the dashboard's panels make on
/// them: sums of gauges, per-second rates of counters (optionally by a label) and histogram quantiles over a window.
/// </summary>
/// <remarks>Filled by one scraping loop, read after it has ended. A value the service did not export yet is NaN.</remarks>
internal sealed partial class MetricsTimeline
{
    private readonly List<double> _seconds = [];
    private readonly List<double> _wallClock = [];
    private readonly List<Dictionary<string, List<Sample>>> _scrapes = [];

    /// <summary>Seconds since the run started, one per scrape.</summary>
    public double[] Seconds => [.. _seconds];

    /// <summary>The wall clock at each scrape, seconds since the Unix epoch.</summary>
    public double[] WallClock => [.. _wallClock];

    public int Count => _scrapes.Count;

    /// <summary>Adds a scrape taken <paramref name="seconds"/> into the run.</summary>
    public void Add(double seconds, DateTimeOffset wallClock, string exposition)
    {
        var samples = new Dictionary<string, List<Sample>>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny(['{', ' ']);
            var valueStart = line.LastIndexOf(' ');
            if (nameEnd <= 0 || valueStart <= nameEnd
                || !double.TryParse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (line[nameEnd] == '{')
            {
                foreach (Match m in Label().Matches(line[nameEnd..valueStart]))
                {
                    labels[m.Groups["key"].Value] = m.Groups["value"].Value;
                }
            }

            var name = line[..nameEnd];
            if (!samples.TryGetValue(name, out var list))
            {
                samples[name] = list = [];
            }

            list.Add(new Sample(labels, value));
        }

        _seconds.Add(seconds);
        _wallClock.Add(wallClock.ToUnixTimeMilliseconds() / 1000.0);
        _scrapes.Add(samples);
    }

    /// <summary>The sum of every series of <paramref name="name"/> (matching <paramref name="where"/>) at each scrape.</summary>
    public double[] Sum(string name, Func<IReadOnlyDictionary<string, string>, bool>? where = null) =>
        [.. _scrapes.Select(s => s.TryGetValue(name, out var list) ? list.Where(x => where?.Invoke(x.Labels) ?? true).Sum(x => x.Value) : double.NaN)];

    /// <summary>The sum of <paramref name="name"/> per value of <paramref name="label"/>, each series at every scrape.</summary>
    public SortedDictionary<string, double[]> SumBy(string name, string label)
    {
        var values = _scrapes.SelectMany(s => s.TryGetValue(name, out var list) ? list : [])
            .Select(x => x.Labels.GetValueOrDefault(label, "")).ToHashSet(StringComparer.Ordinal);
        var result = new SortedDictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            result[value] = Sum(name, l => l.GetValueOrDefault(label, "") == value);
        }

        return result;
    }

    /// <summary>Per-second increase of a counter series over the last <paramref name="window"/> scrapes (PromQL's rate).</summary>
    public double[] Rate(double[] counter, int window = 5)
    {
        var rate = new double[counter.Length];
        for (var i = 0; i < counter.Length; i++)
        {
            var from = Math.Max(0, i - window);
            var first = from;
            while (first < i && double.IsNaN(counter[first]))
            {
                first++;
            }

            var seconds = _seconds[i] - _seconds[first];
            rate[i] = first == i || double.IsNaN(counter[i]) || seconds <= 0 ? double.NaN : Math.Max(0, counter[i] - counter[first]) / seconds;
        }

        return rate;
    }

    /// <summary>
    /// The <paramref name="quantile"/> of a histogram's observations made during the last <paramref name="window"/>
    /// scrapes, interpolated within the bucket as PromQL's <c>histogram_quantile</c> does; NaN when none were made.
    /// </summary>
    public double[] Quantile(string histogram, double quantile, int window = 10)
    {
        var bucket = histogram + "_bucket";
        var result = new double[_scrapes.Count];
        for (var i = 0; i < _scrapes.Count; i++)
        {
            var now = Buckets(_scrapes[i], bucket);
            var before = Buckets(_scrapes[Math.Max(0, i - window)], bucket);
            var counts = now.Select(b => (b.Bound, Count: b.Count - before.FirstOrDefault(o => o.Bound == b.Bound).Count)).ToList();
            result[i] = Interpolate(counts, quantile);
        }

        return result;
    }

    /// <summary>Cumulative counts per upper bound, summed over every series of the histogram.</summary>
    private static List<(double Bound, double Count)> Buckets(Dictionary<string, List<Sample>> scrape, string bucket) =>
        !scrape.TryGetValue(bucket, out var list)
            ? []
            : [.. list.GroupBy(s => ParseBound(s.Labels.GetValueOrDefault("le", "+Inf"))).OrderBy(g => g.Key).Select(g => (g.Key, g.Sum(s => s.Value)))];

    private static double ParseBound(string le) =>
        le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Interpolate(List<(double Bound, double Count)> cumulative, double quantile)
    {
        if (cumulative.Count == 0 || cumulative[^1].Count <= 0)
        {
            return double.NaN;
        }

        var rank = quantile * cumulative[^1].Count;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, count) in cumulative)
        {
            if (count >= rank)
            {
                return double.IsPositiveInfinity(bound)
                    ? lowerBound
                    : lowerBound + ((bound - lowerBound) * (count == lowerCount ? 1 : (rank - lowerCount) / (count - lowerCount)));
            }

            (lowerBound, lowerCount) = (bound, count);
        }

        return lowerBound;
    }

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Label();

    private readonly record struct Sample(Dictionary<string, string> Labels, double Value);
}
