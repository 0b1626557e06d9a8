using ScottPlot;
using ScottPlot.TickGenerators;

namespace CallJoin.Bench.Compare;

/// <summary>The records/s of every contender that has one, per variant, as bars on a log scale (they span four orders of magnitude).</summary>
internal static class CompareChart
{
    private static readonly Color[] VariantColors = [Color.FromHex("#5794f2"), Color.FromHex("#ff9830")];

    public static void Write(string path, CompareReport report)
    {
        var names = report.Contenders.Where(c => c.RecordsPerSecond is > 0).Select(c => c.Name).Distinct(StringComparer.Ordinal).ToList();
        var variants = report.Variants.Select(v => v.Variant).ToList();
        var plot = new Plot();
        for (var v = 0; v < variants.Count; v++)
        {
            var bars = new List<Bar>();
            for (var n = 0; n < names.Count; n++)
            {
                var row = report.Contenders.FirstOrDefault(c => c.Name == names[n] && c.Variant == variants[v]);
                if (row?.RecordsPerSecond is not > 0)
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = (n * (variants.Count + 1)) + v,
                    Value = Math.Log10(row.RecordsPerSecond.Value),
                    FillColor = row.Correct ? VariantColors[v % VariantColors.Length] : Colors.Gray,
                });
            }

            var series = plot.Add.Bars(bars);
            series.LegendText = variants[v];
        }

        plot.Axes.Bottom.SetTicks(
            [.. names.Select((_, n) => (n * (variants.Count + 1)) + ((variants.Count - 1) / 2.0))],
            [.. names]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 130;
        plot.Axes.Left.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.Label.Text = "records/s (log scale; gray: incorrect)";
        plot.Axes.Margins(bottom: 0);
        plot.Title($"calljoin-bench compare{(report.Quick ? " --quick" : "")} — {report.Cores} cores, {report.At:yyyy-MM-dd HH:mm} UTC");
        plot.ShowLegend(Alignment.UpperRight);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1000, 560);
    }
}
