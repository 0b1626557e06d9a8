using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Streamiz.Kafka.Net;
using StreamizTopology = Streamiz.Kafka.Net.Stream.Topology;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>
/// The Streamiz contender against a broker: a <see cref="KafkaStream"/> reads the starts and ends topics from the
/// beginning, joins them and produces rows to <see cref="StreamizJoinSettings.RowTopic"/>, until the expected rows are
/// out or the timeout passes.
/// </summary>
/// <remarks>
/// The changelog topics of the join's window stores and the row topic are created first, with the input's partition
/// count: Streamiz would otherwise create them itself through the admin client, whose CreateTopics waits for a
/// controller the embedded broker (librdkafka's mock cluster) never names, and a metadata request for a missing topic
/// makes the mock auto-create it with its own partition count, which Streamiz refuses for a changelog.
/// </remarks>
public static class StreamizBrokerRun
{
    private static readonly TimeSpan s_adminTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs the join on the broker at <paramref name="bootstrapServers"/> until <paramref name="expectedRows"/> rows are
    /// produced or <paramref name="timeout"/> passes, and reports what it got; never throws for a failed run (the
    /// reason is in the notes).
    /// </summary>
    /// <param name="createTopic">Creates a topic (name, partitions) the run needs; null uses the admin client, which a real
    /// broker serves. For the embedded broker pass its own <c>CreateTopic</c>.</param>
    /// <remarks>
    /// <see cref="StreamizRunResult.Elapsed"/> runs from the first input record to the last row (group join and shutdown
    /// excluded); the CPU time covers the whole run, startup included. Use a fresh
    /// <see cref="StreamizJoinSettings.ApplicationId"/> per run: a group that committed offsets starts where it left off.
    /// </remarks>
    public static async Task<StreamizRunResult> RunAsync(string bootstrapServers, long expectedRows, TimeSpan timeout, StreamizJoinSettings? settings = null,
        Action<string, int>? createTopic = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(bootstrapServers);
        settings ??= new StreamizJoinSettings();
        var notes = new List<string>();
        var joiner = new CallRowJoiner(settings.MaxDumpBytes);
        var counters = new StreamizCounters(onRow: null);
        var topology = StreamizJoinTopology.Build(settings, joiner, counters, settings.RowTopic);
        using var state = new StateDirectory(settings.StateDirectory);
        var cpuBefore = ProcessUsage.CpuTime();
        try
        {
            await CreateTopicsAsync(bootstrapServers, settings, StreamizJoinTopology.StoreNames(topology), createTopic).ConfigureAwait(false);
            var config = StreamizRun.Config(settings, state.Path);
            config.BootstrapServers = bootstrapServers;
            config.AutoOffsetReset = AutoOffsetReset.Earliest;
            config.AllowAutoCreateTopics = false;
            // As the embedded broker's test consumers: quick fetch retries, and a session short enough that the mock's
            // group coordinator does not stall a rebalance for long.
            config.FetchQueueBackoffMs = 20;
            config.SessionTimeoutMs = 10_000;
            config.HeartbeatIntervalMs = 1_000;

            string? failure = null;
            using var stream = new KafkaStream(topology, config);
            stream.StateChanged += (_, now) =>
            {
                if (now == KafkaStream.State.ERROR)
                {
                    failure = "the stream went to ERROR";
                }
            };

            await stream.StartAsync(ct).ConfigureAwait(false);
            var deadline = Stopwatch.StartNew();
            while (counters.Rows < expectedRows && failure is null && deadline.Elapsed < timeout)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }

            if (failure is not null)
            {
                notes.Add(failure);
            }
            else if (counters.Rows < expectedRows)
            {
                notes.Add($"timed out after {timeout.TotalSeconds:0} s with {counters.Rows} of {expectedRows} rows");
            }
        }
#pragma warning disable CA1031 // A contender that fails reports why instead of ending the comparison.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            notes.Add($"failed: {ex.GetType().Name}: {ex.Message}");
        }

        var cpu = ProcessUsage.CpuTime() - cpuBefore;
        StreamizRun.AddJoinerNotes(joiner, notes);
        return new StreamizRunResult(counters.Records, counters.Rows, counters.Busy, cpu.TotalSeconds, ProcessUsage.PeakRssBytes(), notes);
    }

    /// <summary>The changelog topics of the join's window stores, named from the topology's description, as a run creates them.</summary>
    public static IReadOnlyList<string> ChangelogTopics(StreamizJoinSettings? settings = null)
    {
        settings ??= new StreamizJoinSettings();
        return [.. StreamizJoinTopology.StoreNames(Unconnected(settings)).Select(s => StreamizJoinTopology.ChangelogTopic(settings.ApplicationId, s))];
    }

    /// <summary>The topology as Streamiz describes it: sub-topologies, processors and the stores each uses.</summary>
    public static string DescribeTopology(StreamizJoinSettings? settings = null)
    {
        return Unconnected(settings ?? new StreamizJoinSettings()).Describe().ToString() ?? string.Empty;
    }

    /// <summary>The run's topology, built only to be described.</summary>
    private static StreamizTopology Unconnected(StreamizJoinSettings settings) =>
        StreamizJoinTopology.Build(settings, new CallRowJoiner(settings.MaxDumpBytes), new StreamizCounters(onRow: null), settings.RowTopic);

    /// <summary>The changelog topics of <paramref name="stores"/> and the row topic, with the starts topic's partition count.</summary>
    private static async Task CreateTopicsAsync(string bootstrapServers, StreamizJoinSettings settings, IReadOnlyList<string> stores, Action<string, int>? createTopic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();

        // Metadata for all topics: asking about one by name would make the mock broker auto-create it with its default
        // partition count, which Streamiz then refuses for a changelog.
        var existing = admin.GetMetadata(s_adminTimeout).Topics
            .Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var partitions = existing.GetValueOrDefault(settings.StartTopic);
        if (partitions == 0 || partitions != existing.GetValueOrDefault(settings.EndTopic))
        {
            throw new InvalidOperationException(
                $"The starts topic has {partitions} partitions and the ends topic {existing.GetValueOrDefault(settings.EndTopic)}: the join needs both, co-partitioned.");
        }

        var missing = stores.Select(s => StreamizJoinTopology.ChangelogTopic(settings.ApplicationId, s))
            .Append(settings.RowTopic)
            .Where(n => !existing.ContainsKey(n))
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (createTopic is not null)
        {
            missing.ForEach(n => createTopic(n, partitions));
            return;
        }

        try
        {
            await admin.CreateTopicsAsync(
                missing.Select(n => new TopicSpecification { Name = n, NumPartitions = partitions, ReplicationFactor = 1 }),
                new CreateTopicsOptions { RequestTimeout = s_adminTimeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another run made them first: the partition counts are checked by Streamiz when it starts.
        }
    }
}
