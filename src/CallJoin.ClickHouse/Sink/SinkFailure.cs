using System.Globalization;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Sink;

/// <summary>How a failed insert is named in logs and error records.</summary>
internal static class SinkFailure
{
    private const int MaxReasonChars = 300;

    /// <summary>
    /// Whether the driver's exception carries a real ClickHouse error. The driver turns every non-2xx HTTP response into
    /// a <see cref="ClickHouseServerException"/> whose code is the first number in the body, so a proxy's
    /// "502 Bad Gateway" would read as code 502; ClickHouse's own bodies start with <c>Code: N.</c>.
    /// </summary>
    public static bool IsFromClickHouse(ClickHouseServerException error) =>
        error.Message.AsSpan().TrimStart().StartsWith("Code: ", StringComparison.Ordinal);

    /// <summary>
    /// Whether a proxy in front of ClickHouse refused the request body as too large (HTTP 413; the driver keeps only the
    /// body, so this reads its text). Retrying the same bytes would stall the sink; a smaller block can pass.
    /// </summary>
    public static bool IsPayloadTooLarge(ClickHouseServerException error) =>
        error.Message.Contains("413", StringComparison.Ordinal) && error.Message.Contains("Too Large", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether ClickHouse refused the insert for touching more partitions than <c>max_partitions_per_insert_block</c>.</summary>
    public static bool IsTooManyPartitions(ClickHouseServerException error) =>
        error.ErrorCode == 252 && error.Message.Contains("partitions for single INSERT block", StringComparison.OrdinalIgnoreCase);

    /// <summary>A short code for logs: <c>ClickHouse code 241</c>, <c>HTTP error without a ClickHouse code</c>, or the exception type.</summary>
    public static string Code(Exception error) => error switch
    {
        ClickHouseServerException server when IsFromClickHouse(server) => string.Create(CultureInfo.InvariantCulture, $"ClickHouse code {server.ErrorCode}"),
        ClickHouseServerException => "HTTP error without a ClickHouse code",
        _ => error.GetType().Name,
    };

    /// <summary>The code and the first line of the message, shortened.</summary>
    public static string Describe(Exception error)
    {
        var message = error.Message.AsSpan().Trim();
        var newline = message.IndexOfAny('\r', '\n');
        if (newline >= 0)
        {
            message = message[..newline];
        }

        if (message.Length > MaxReasonChars)
        {
            message = message[..MaxReasonChars];
        }

        return $"{Code(error)} ({message})";
    }
}
