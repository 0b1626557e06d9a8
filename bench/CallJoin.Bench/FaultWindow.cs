namespace CallJoin.Bench;

/// <summary>A stretch of the dashboard run during which something was done to the service's surroundings, shaded on every panel.</summary>
internal sealed record FaultWindow(string Label, double FromSeconds, double ToSeconds);
