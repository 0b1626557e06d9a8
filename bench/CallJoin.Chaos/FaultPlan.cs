namespace CallJoin.Chaos;

/// <summary>The order and moments (fractions of the workload published) of a run's faults, drawn from its seed.</summary>
internal static class FaultPlan
{
    public static IReadOnlyList<FaultStep> For(ChaosOptions options)
    {
        var random = new Random(options.Seed);
        var steps = new List<FaultStep>();

        // Spread over 5%..90% of the messages: early enough that each one hits a stream still flowing.
        double Spread(int i, int n) => 0.05 + ((i + random.NextDouble()) * 0.85 / n);
        for (var i = 0; i < options.Kills; i++)
        {
            steps.Add(new FaultStep(Spread(i, options.Kills), FaultKind.Kill, i + 1));
        }

        for (var i = 0; i < options.BrokerErrorRounds; i++)
        {
            steps.Add(new FaultStep(Spread(i, options.BrokerErrorRounds), FaultKind.BrokerErrors, i + 1));
        }

        for (var i = 0; i < options.BrokerOutages; i++)
        {
            steps.Add(new FaultStep(Spread(i, options.BrokerOutages), FaultKind.BrokerDown, i + 1));
        }

        if (options.ClickHouseOutage > TimeSpan.Zero)
        {
            steps.Add(new FaultStep(0.45, FaultKind.ClickHouseOutage, 1));
        }

        for (var i = 0; i < options.JoinLeaveCycles; i++)
        {
            var width = 0.8 / options.JoinLeaveCycles;
            steps.Add(new FaultStep(0.1 + (i * width), FaultKind.InstanceJoins, i + 1));
            steps.Add(new FaultStep(0.1 + ((i + 0.6) * width), FaultKind.InstanceLeaves, i + 1));
        }

        return [.. steps.OrderBy(s => s.At).ThenBy(s => s.Kind)];
    }
}
