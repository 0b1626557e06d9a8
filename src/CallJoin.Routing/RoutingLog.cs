using Microsoft.Extensions.Logging;

namespace CallJoin.Routing;

/// <summary>The router's log lines (event ids 600–699; names are a stable contract).</summary>
internal static partial class RoutingLog
{
    [LoggerMessage(600, LogLevel.Warning, "Read failover: project {ProjectId} read on calls_complete failed ({Error}); served from calls_merged")]
    public static partial void ReadFailover(ILogger log, string projectId, string error);

    [LoggerMessage(601, LogLevel.Warning, "Validation failover: project {ProjectId} has a mismatch verdict; its reads over that day go to calls_merged ({Reason})")]
    public static partial void ValidationFailover(ILogger log, string projectId, string reason);

    [LoggerMessage(602, LogLevel.Warning, "Migration state refresh failed, keeping the state read at {LoadedAt}: {Error}")]
    public static partial void RefreshFailed(ILogger log, DateTimeOffset loadedAt, string error);

    [LoggerMessage(603, LogLevel.Information, "Migration state: {Days} backfill days, {Mismatches} mismatch verdicts, calls_merged from {OldestDay}")]
    public static partial void StateLoaded(ILogger log, int days, int mismatches, string oldestDay);
}
