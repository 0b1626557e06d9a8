namespace CallJoin.EmbeddedClickHouse;

/// <summary>Where the embedded engine keeps its data and where its HTTP interface listens.</summary>
public sealed record EmbeddedClickHouseOptions
{
    /// <summary>The data directory; it persists across restarts. chDB allows one per process.</summary>
    public required string DataPath { get; init; }

    /// <summary>The TCP port on 127.0.0.1; 0 picks a free one (see <see cref="EmbeddedClickHouseServer.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>Statements run at once; further requests wait. Each takes a core while it runs.</summary>
    public int MaxConcurrentQueries { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
}
