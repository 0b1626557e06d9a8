namespace CallJoin.Chaos;

/// <summary>The faults a run applied.</summary>
public sealed record ChaosFaults
{
    public int Kills { get; init; }

    /// <summary>Request errors queued on the broker (each fails one request).</summary>
    public int BrokerErrors { get; init; }

    public int BrokerErrorRounds { get; init; }

    public int BrokerOutages { get; init; }

    public double BrokerDownSeconds { get; init; }

    public double ClickHouseOutageSeconds { get; init; }

    /// <summary>Instances that joined the group beyond the base ones.</summary>
    public int Joins { get; init; }

    /// <summary>Instances that left the group gracefully (SIGTERM).</summary>
    public int Leaves { get; init; }

    /// <summary>Group membership changes: joins, leaves and kills (each restarted instance rejoins in the same rebalance or the next).</summary>
    public int Rebalances => Joins + Leaves + Kills;

    /// <summary>Service processes started, restarts included.</summary>
    public int ServiceStarts { get; init; }
}
