namespace CallJoin.Bench;

/// <summary>One panel of the rendered dashboard: its title, the unit of its values and its lines (label, value per scrape).</summary>
internal sealed record DashboardPanel(string Title, string Unit, IReadOnlyList<(string Label, double[] Values)> Lines);
