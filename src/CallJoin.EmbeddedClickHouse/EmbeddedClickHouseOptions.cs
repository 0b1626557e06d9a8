using System.Net;

namespace CallJoin.EmbeddedClickHouse;

/// <summary>Where the embedded engine keeps its data, where its HTTP interface listens and whom it lets in.</summary>
public sealed record EmbeddedClickHouseOptions
{
    /// <summary>The data directory; it persists across restarts. chDB allows one per process.</summary>
    public required string DataPath { get; init; }

    /// <summary>The address to listen on: loopback unless asked otherwise (<see cref="IPAddress.Any"/> for every interface).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 picks a free one (see <see cref="EmbeddedClickHouseServer.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>The one user the HTTP interface accepts (ClickHouse's default user unless set).</summary>
    public string User { get; init; } = "default";

    /// <summary>That user's password; empty, as for ClickHouse's default user, unless set.</summary>
    public string Password { get; init; } = "";

    /// <summary>Statements run at once; further requests wait. Each takes a core while it runs.</summary>
    public int MaxConcurrentQueries { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
}
