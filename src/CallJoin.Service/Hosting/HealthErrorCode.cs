using System.Net.Sockets;
using System.Text.RegularExpressions;
using ClickHouse.Driver;
using Confluent.Kafka;

namespace CallJoin.Service.Hosting;

/// <summary>
/// A failure as a stable code for health bodies (<c>clickhouse:516:AUTHENTICATION_FAILED</c>, <c>connection_refused</c>,
/// <c>network_error</c>, <c>timeout</c>, <c>kafka:Local_Fatal</c>, <c>internal_error</c>), never its message.
/// </summary>
/// <remarks>
/// Exception text can carry hosts, queries or data from the request; a probe answering anyone on the pod network
/// should not. The code is enough to alert on and to find the full message in the logs.
/// </remarks>
internal static partial class HealthErrorCode
{
    public static string? Of(Exception? error) => error?.GetBaseException() switch
    {
        null => null,
        ClickHouseServerException server => ClickHouseName().Match(server.Message) is { Success: true } name
            ? $"clickhouse:{server.ErrorCode}:{name.Groups[1].Value}"
            : $"clickhouse:{server.ErrorCode}",
        KafkaException kafka => $"kafka:{kafka.Error.Code}",
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection_refused",
        HttpRequestException { StatusCode: { } status } => $"http:{(int)status}",
        HttpRequestException or SocketException or IOException => "network_error",
        TimeoutException or OperationCanceledException => "timeout",
        _ => "internal_error",
    };

    /// <summary>ClickHouse's error name, e.g. <c>(AUTHENTICATION_FAILED)</c>: capitals, digits and underscores only.</summary>
    [GeneratedRegex(@"\(([A-Z][A-Z0-9_]{2,})\)", RegexOptions.CultureInvariant)]
    private static partial Regex ClickHouseName();
}
