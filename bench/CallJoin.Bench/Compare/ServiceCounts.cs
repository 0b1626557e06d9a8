namespace CallJoin.Bench.Compare;

/// <summary>The service's progress as its <c>/metrics</c> show it: messages consumed, calls matched, rows acknowledged, bytes unacknowledged.</summary>
internal readonly record struct ServiceCounts(long Consumed, long Matched, long SinkRows, long BufferedBytes)
{
    /// <summary>Scrapes <c>/metrics</c> once (zeros while a counter is not exported yet); null when the scrape failed or timed out.</summary>
    public static async Task<ServiceCounts?> TryReadAsync(HttpClient http, CancellationToken ct)
    {
        string text;
        try
        {
            text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative), ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }

        var scrape = new MetricsTimeline();
        scrape.Add(0, DateTimeOffset.UtcNow, text);
        long Value(string name) => scrape.Sum(name) is [var v] && double.IsFinite(v) ? (long)v : 0;
        return new ServiceCounts(
            Value("calljoin_kafka_consumed_total"), Value("calljoin_calls_matched_total"),
            Value("calljoin_sink_rows_total"), Value("calljoin_sink_buffered_bytes"));
    }
}
