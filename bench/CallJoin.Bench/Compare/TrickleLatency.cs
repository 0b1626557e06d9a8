using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallJoin.Publishing;
using CallJoin.Workload;

namespace CallJoin.Bench.Compare;

/// <summary>
/// Publish-to-visible latency of the running service: a few calls published in real time (each half once the wall clock
/// reaches its record time), calls_complete polled every 100 ms for their complete rows; a call's latency is from its
/// later half being handed to the producer to the poll that first saw its row.
/// </summary>
/// <remarks>
/// An approximation, as documented in the report: the poll's period and query time add up to ~100–200 ms of
/// resolution. The calls are short (at most 1 s between halves) with no long-running, orphan or never-ending ones, so
/// every call has a complete row; their ids are fresh (UUIDv7 from now), so they cannot collide with the backlog's.
/// </remarks>
internal sealed class TrickleLatency(CompareData data, string database)
{
    public async Task<(double P50, double P99, string Note)> MeasureAsync(CancellationToken ct)
    {
        var options = new WorkloadOptions
        {
            Calls = data.Options.TrickleCalls,
            Seed = 7,
            Epoch = DateTimeOffset.UtcNow.AddSeconds(1),
            Span = data.Options.TrickleSpan,
            CompactHalves = data.Variant == "small",
            MaxCallDuration = TimeSpan.FromSeconds(1),
            LongRunning = 0,
            LateStart = 0,
            NeverEnds = 0,
            OrphanEnd = 0,
            Malformed = 0,
            DuplicateHalf = 0,
        };
        var events = new WeaveWorkload(options).Events().ToList();
        var sides = new Dictionary<string, int>(StringComparer.Ordinal);
        var lastHalf = new Dictionary<string, long>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ready = new List<string>();
        var polling = PollAsync(ready, seen, clock, stopPolling.Token);
        using (var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = data.Broker.BootstrapServers }))
        {
            foreach (var e in events)
            {
                var wait = DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMillis) - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }

                await publisher.PublishAsync(e.Side, e.Key, e.Payload, e.TimestampMillis, ct);
                if (e.Kind is not (WorkloadEventKind.Start or WorkloadEventKind.End))
                {
                    continue;
                }

                var id = Encoding.UTF8.GetString(e.Key);
                lastHalf[id] = clock.ElapsedMilliseconds;
                if ((sides[id] = sides.GetValueOrDefault(id) + 1) == 2)
                {
                    lock (ready)
                    {
                        ready.Add(id);
                    }
                }
            }

            await publisher.FlushAsync(ct);
        }

        var expected = sides.Count(s => s.Value == 2);
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(30);
        while (clock.Elapsed < deadline && Count(seen) < expected)
        {
            await Task.Delay(100, ct);
        }

        await stopPolling.CancelAsync();
        await polling;
        var latencies = seen.Select(s => (double)(s.Value - lastHalf[s.Key])).Order().ToArray();
        var note = string.Create(CultureInfo.InvariantCulture,
            $"latency: {latencies.Length} of {expected} calls published in real time after the backlog, last half handed to the producer → complete row seen by a 100 ms poll");
        return latencies.Length == 0 ? (double.NaN, double.NaN, note) : (Percentile(latencies, 0.5), Percentile(latencies, 0.99), note);
    }

    private async Task PollAsync(List<string> ready, Dictionary<string, long> seen, Stopwatch clock, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                string[] waiting;
                lock (ready)
                {
                    waiting = [.. ready.Where(id => !seen.ContainsKey(id))];
                }

                if (waiting.Length > 0)
                {
                    var sql = $"SELECT id FROM {database}.calls_complete WHERE ended_at > toDateTime64(0, 6) AND id IN ({string.Join(',', waiting.Select(id => $"'{id}'"))})";
                    using var reader = await data.Client.ExecuteReaderAsync(sql, cancellationToken: ct);
                    var now = clock.ElapsedMilliseconds;
                    while (await reader.ReadAsync(ct))
                    {
                        lock (seen)
                        {
                            seen.TryAdd(reader.GetString(0), now);
                        }
                    }
                }

                await Task.Delay(100, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Measured.
        }
    }

    private static int Count(Dictionary<string, long> seen)
    {
        lock (seen)
        {
            return seen.Count;
        }
    }

    private static double Percentile(double[] sorted, double q) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)], 1);
}
