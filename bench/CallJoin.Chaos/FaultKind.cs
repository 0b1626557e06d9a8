namespace CallJoin.Chaos;

/// <summary>What a <see cref="FaultStep"/> does.</summary>
internal enum FaultKind
{
    /// <summary>kill -9 of a running service, started again at once.</summary>
    Kill,

    /// <summary>A round of request errors queued on the mock cluster.</summary>
    BrokerErrors,

    /// <summary>One broker down for a while, then up.</summary>
    BrokerDown,

    /// <summary>ClickHouse's listener suspended for a while.</summary>
    ClickHouseOutage,

    /// <summary>A further instance joins the group.</summary>
    InstanceJoins,

    /// <summary>The further instance leaves gracefully (SIGTERM).</summary>
    InstanceLeaves,
}
