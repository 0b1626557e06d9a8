using ScottPlot;
using SkiaSharp;

namespace CallJoin.Bench;

/// <summary>Draws panels in a grid on one dark canvas, as Grafana shows the dashboard, and writes it as a PNG.</summary>
internal static class DashboardImage
{
    private const int PanelWidth = 540;
    private const int PanelHeight = 240;
    private const int HeaderHeight = 44;
    private const int Columns = 3;   // as the Grafana dashboard lays them out

    private static readonly Color Background = Color.FromHex("#111217");
    private static readonly Color PanelBackground = Color.FromHex("#181b1f");
    private static readonly Color Text = Color.FromHex("#ccccdc");
    private static readonly Color GridLine = Color.FromHex("#2c3235");

    private static readonly Color[] LineColors =
        [.. new[] { "#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a" }.Select(Color.FromHex)];

    private static readonly Color[] FaultColors = [.. new[] { "#f2495c", "#5794f2", "#ff9830", "#b877d9" }.Select(Color.FromHex)];

    /// <summary>Renders <paramref name="panels"/> against <paramref name="seconds"/> and writes the PNG to <paramref name="path"/>.</summary>
    public static void Write(string path, string title, double[] seconds, IReadOnlyList<DashboardPanel> panels, IReadOnlyList<FaultWindow> faults)
    {
        var rows = (panels.Count + Columns - 1) / Columns;
        var width = Columns * PanelWidth;
        var height = HeaderHeight + (rows * PanelHeight);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(Background.ToSKColor());
        DrawHeader(canvas, title, faults);
        for (var i = 0; i < panels.Count; i++)
        {
            var plot = Plot(seconds, panels[i], faults);
            canvas.Save();
            canvas.Translate((i % Columns) * PanelWidth, HeaderHeight + ((i / Columns) * PanelHeight));
            canvas.ClipRect(new SKRect(0, 0, PanelWidth, PanelHeight));
            plot.Render(canvas, PanelWidth, PanelHeight);
            canvas.Restore();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private static void DrawHeader(SKCanvas canvas, string title, IReadOnlyList<FaultWindow> faults)
    {
        using var font = new SKFont(SKTypeface.Default, 20);
        using var small = new SKFont(SKTypeface.Default, 14);
        using var paint = new SKPaint { Color = Text.ToSKColor(), IsAntialias = true };
        canvas.DrawText(title, 12, 29, font, paint);
        var x = 12 + font.MeasureText(title) + 32;
        for (var i = 0; i < faults.Count; i++)
        {
            using var swatch = new SKPaint { Color = FaultColor(i).WithAlpha(0.5).ToSKColor() };
            canvas.DrawRect(x, 16, 14, 14, swatch);
            canvas.DrawText(faults[i].Label, x + 20, 28, small, paint);
            x += 20 + small.MeasureText(faults[i].Label) + 24;
        }
    }

    private static Plot Plot(double[] seconds, DashboardPanel panel, IReadOnlyList<FaultWindow> faults)
    {
        var plot = new Plot();
        plot.FigureBackground.Color = Background;
        plot.DataBackground.Color = PanelBackground;
        plot.Axes.Color(Text);
        plot.Grid.MajorLineColor = GridLine;
        plot.Legend.BackgroundColor = PanelBackground;
        plot.Legend.FontColor = Text;
        plot.Legend.OutlineColor = GridLine;
        plot.Legend.FontSize = 10;
        plot.Title(panel.Title, 13);
        plot.Axes.Title.Label.ForeColor = Text;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 10;
        plot.Axes.Left.TickLabelStyle.FontSize = 10;
        plot.Axes.Left.Label.Text = panel.Unit;
        plot.Axes.Left.Label.FontSize = 11;
        plot.Axes.Bottom.Label.Text = "seconds";
        plot.Axes.Bottom.Label.FontSize = 11;

        for (var i = 0; i < faults.Count; i++)
        {
            var span = plot.Add.HorizontalSpan(faults[i].FromSeconds, faults[i].ToSeconds);
            span.FillStyle.Color = FaultColor(i).WithAlpha(0.15);
            span.LineStyle.Width = 0;
        }

        var top = 0.0;
        for (var i = 0; i < panel.Lines.Count; i++)
        {
            var (label, values) = panel.Lines[i];
            var points = seconds.Zip(values).Where(p => double.IsFinite(p.Second)).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var line = plot.Add.ScatterLine(points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray(), LineColors[i % LineColors.Length]);
            line.LineWidth = 1.5f;
            line.LegendText = label;
            top = Math.Max(top, points.Max(p => p.Second));
        }

        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.SetLimits(0, seconds.Length == 0 ? 1 : seconds[^1], 0, top <= 0 ? 1 : top * 1.15);
        return plot;
    }

    private static Color FaultColor(int i) => FaultColors[i % FaultColors.Length];
}
