using System.Diagnostics;
using System.Globalization;
using CallJoin.Core;
using CallJoin.Core.Join;
using CallJoin.Workload;
using ClickHouse.Driver;
using Confluent.Kafka;

namespace CallJoin.Chaos;

public sealed partial class ChaosRun
{
    /// <summary>
    /// Waits until every call the workload implies is under FINAL, the calls that never end have their running rows and
    /// every bad message and orphan end its error record: the last timeouts have fired. Not settling is noted, not
    /// thrown: the tally then shows what is missing.
    /// </summary>
    private async Task SettleAsync(WorkloadExpectation expected, CancellationToken ct)
    {
        var bound = _options.WaitBound + _options.JoinTimeout;
        var deadline = Stopwatch.StartNew();
        var malformed = expected.ErrorsByReason.Where(e => e.Key != JoinErrorReason.StartMissing).Sum(e => e.Value);
        var orphans = expected.StartMissingErrors - expected.LateStarts;
        string state = "";
        while (deadline.Elapsed < bound)
        {
            ReviveExited();
            var ids = await TryCountAsync($"SELECT uniqExact(id) FROM {Database}.calls_complete FINAL", ct).ConfigureAwait(false);
            var running = await TryCountAsync($"SELECT count() FROM {Database}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)", ct).ConfigureAwait(false);
            var bad = await TryCountAsync($"SELECT count() FROM {Database}.calljoin_errors FINAL WHERE reason != '{JoinErrorReason.StartMissing}'", ct).ConfigureAwait(false);
            var missing = await TryCountAsync($"SELECT count() FROM {Database}.calljoin_errors FINAL WHERE reason = '{JoinErrorReason.StartMissing}'", ct).ConfigureAwait(false);
            state = $"{ids:N0}/{expected.CallsInTable:N0} calls, {running:N0}/{expected.RunningOnlyRows:N0} running, {bad:N0}/{malformed:N0} malformed records, {missing:N0}/{orphans:N0}+ start_missing";
            // Exactly the running rows of calls that never end: a call whose start timed out before its end was read
            // (after a kill, a rebalance or the outage) shows running until its complete row lands.
            if (ids >= expected.CallsInTable && running == expected.RunningOnlyRows && bad >= malformed && missing >= orphans)
            {
                Log($"settled: {state}");
                return;
            }

            await Task.Delay(500, ct).ConfigureAwait(false);
        }

        _notes.Add($"did not settle within {bound.TotalSeconds:F0} s after publishing ended: {state}");
        Log($"NOT settled: {state}");
    }

    private async Task<ChaosReport> TallyAsync(WeaveWorkload workload, PacedPublisher publisher, DateTimeOffset startedAt, CancellationToken ct)
    {
        var expected = workload.Expected;
        var client = _client!;
        var (rawRows, rawIds) = await PairAsync($"SELECT count(), uniqExact(id) FROM {Database}.calls_complete", ct).ConfigureAwait(false);
        var (finalRows, finalIds) = await PairAsync($"SELECT count(), uniqExact(id) FROM {Database}.calls_complete FINAL", ct).ConfigureAwait(false);
        var running = await CountAsync($"SELECT count() FROM {Database}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)", ct).ConfigureAwait(false);

        var landed = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync($"SELECT DISTINCT id FROM {Database}.calls_complete FINAL", cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                landed.Add(reader.GetString(0));
            }
        }

        var stillRunning = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync($"SELECT id FROM {Database}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)", cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                stillRunning.Add(reader.GetString(0));
            }
        }

        var lost = publisher.CallIds.Count(id => !landed.Contains(id));
        var endsLost = stillRunning.Count(id => publisher.EndedIds.Contains(id));
        var unexpected = landed.Count(id => !publisher.CallIds.Contains(id));

        var actual = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync($"SELECT reason, count() FROM {Database}.calljoin_errors FINAL GROUP BY reason", cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                actual[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var errors = expected.ErrorsByReason.Keys.Union(actual.Keys).Order(StringComparer.Ordinal).Select(reason =>
        {
            var want = expected.ErrorsByReason.GetValueOrDefault(reason);
            var min = reason == JoinErrorReason.StartMissing ? want - expected.LateStarts : want;
            return new ErrorCountCheck(reason, actual.GetValueOrDefault(reason), min, want);
        }).ToList();

        var broker = CheckBroker(publisher);
        var invalid = new List<string>();
        if (broker.PartitionsTrimmed > 0)
        {
            invalid.Add($"the broker dropped the oldest data of {broker.PartitionsTrimmed} partition(s) (it keeps 5 MiB each): use more partitions or fewer calls");
        }

        if (broker.FailedDeliveries > 0)
        {
            invalid.Add($"{broker.FailedDeliveries:N0} message(s) were never delivered to the broker");
        }

        if (broker.StartsInTopic < broker.StartsPublished || broker.EndsInTopic < broker.EndsPublished)
        {
            invalid.Add($"the topics hold fewer messages than were published (starts {broker.StartsInTopic:N0}/{broker.StartsPublished:N0}, ends {broker.EndsInTopic:N0}/{broker.EndsPublished:N0})");
        }
        else if (broker.StartsInTopic > broker.StartsPublished || broker.EndsInTopic > broker.EndsPublished)
        {
            _notes.Add($"the topics hold more messages than were published (retried produce requests): starts {broker.StartsInTopic:N0}/{broker.StartsPublished:N0}, ends {broker.EndsInTopic:N0}/{broker.EndsPublished:N0}");
        }

        using var self = Process.GetCurrentProcess();
        var report = new ChaosReport
        {
            Mode = _options.Mode,
            Calls = _options.Calls,
            Seed = _options.Seed,
            Partitions = _options.Partitions,
            StartedAt = startedAt,
            Duration = _clock.Elapsed,
            Invalid = invalid.Count > 0 ? string.Join("; ", invalid) : null,
            Lost = lost,
            EndsLost = endsLost,
            Unexpected = unexpected,
            FinalDuplicates = finalRows - finalIds,
            RawDuplicateRows = rawRows - rawIds,
            RawRows = rawRows,
            FinalRows = finalRows,
            ExpectedRows = expected.CallsInTable,
            RunningRows = running,
            ExpectedRunningRows = expected.RunningOnlyRows,
            Errors = errors,
            Faults = _faults,
            Broker = broker,
            Services = [.. _ended],
            HarnessPeakBytes = self.PeakWorkingSet64,
            Notes = [.. _notes],
        };
        return report;
    }

    /// <summary>Compares what was published with what the topics hold: high watermarks (counts) and low watermarks (nothing dropped).</summary>
    private ChaosBrokerCheck CheckBroker(PacedPublisher publisher)
    {
        var config = new ConsumerConfig { BootstrapServers = _broker!.BootstrapServers, GroupId = GroupId + "-watermarks" };
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        long starts = 0, ends = 0;
        var trimmed = 0;
        foreach (var topic in new[] { WeaveTopics.CallStarted, WeaveTopics.CallEnded })
        {
            for (var p = 0; p < _options.Partitions; p++)
            {
                var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30));
                trimmed += w.Low > 0 ? 1 : 0;
                if (topic == WeaveTopics.CallStarted)
                {
                    starts += w.High;
                }
                else
                {
                    ends += w.High;
                }
            }
        }

        var largerTopic = Math.Max(publisher.StartBytes, publisher.Bytes - publisher.StartBytes);
        return new ChaosBrokerCheck
        {
            StartsPublished = publisher.StartsPublished,
            EndsPublished = publisher.EndsPublished,
            StartsInTopic = starts,
            EndsInTopic = ends,
            FailedDeliveries = publisher.Failed,
            PartitionsTrimmed = trimmed,
            PayloadBytes = publisher.Bytes,
            MaxPartitionPayloadEstimate = (long)(largerTopic * 1.2 / _options.Partitions),
            PublisherBehindSeconds = publisher.MaxBehindMillis / 1000.0,
        };
    }

    private async Task<long> CountAsync(string sql, CancellationToken ct) =>
        Convert.ToInt64(await _client!.ExecuteScalarAsync(sql, cancellationToken: ct).ConfigureAwait(false), CultureInfo.InvariantCulture);

    private async Task<(long, long)> PairAsync(string sql, CancellationToken ct)
    {
        using var reader = await _client!.ExecuteReaderAsync(sql, cancellationToken: ct).ConfigureAwait(false);
        reader.Read();
        return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }

    /// <summary>The count, or null while ClickHouse does not answer (suspended).</summary>
    private async Task<long?> TryCountAsync(string sql, CancellationToken ct)
    {
        try
        {
            return await CountAsync(sql, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or ClickHouseServerException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
