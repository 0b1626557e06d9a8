using System.Diagnostics;
using CallJoin.Core.Halves;
using CallJoin.Workload;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>
/// The Streamiz contender's in-process run: the workload's halves piped through a <see cref="TopologyTestDriver"/>
/// in record-time order, rows counted at the end of the topology.
/// </summary>
public static class StreamizRun
{
    // Streamiz logs every state change and its whole configuration at Information; a comparison wants its problems only.
    private static readonly ILoggerFactory s_logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole());

    /// <summary>
    /// Pipes <paramref name="events"/> (starts to the starts topic, ends to the ends topic, each with its record
    /// timestamp, in the given order) through the join and counts the rows; <paramref name="onRow"/>, when given, sees
    /// each row's key (the call id) and RowBinary bytes on the driver's thread.
    /// </summary>
    /// <remarks>Synchronous driver: one task, no broker, no changelog; the stores are still real (RocksDB by default).</remarks>
    public static StreamizRunResult InProcess(IReadOnlyList<WorkloadEvent> events, StreamizJoinSettings? settings = null, Action<byte[], byte[]>? onRow = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        settings ??= new StreamizJoinSettings();
        var notes = new List<string>();
        var joiner = new CallRowJoiner(settings.MaxDumpBytes);
        var counters = new StreamizCounters(onRow);
        var topology = StreamizJoinTopology.Build(settings, joiner, counters, rowTopic: null);
        using var state = new StateDirectory(settings.StateDirectory);
        var config = Config(settings, state.Path);

        var stopwatch = new Stopwatch();
        var cpuBefore = ProcessUsage.CpuTime();
        var cpu = TimeSpan.Zero;
        try
        {
            using var driver = new TopologyTestDriver(topology, config);
            var starts = driver.CreateInputTopic(settings.StartTopic, new ByteArraySerDes(), new ByteArraySerDes());
            var ends = driver.CreateInputTopic(settings.EndTopic, new ByteArraySerDes(), new ByteArraySerDes());
            cpuBefore = ProcessUsage.CpuTime();
            stopwatch.Start();
            foreach (var e in events)
            {
                var topic = e.Side == CallSide.Start ? starts : ends;
                topic.PipeInput(e.Key, e.Payload, DateTime.UnixEpoch.AddMilliseconds(e.TimestampMillis));
            }

            // The same span for wall and CPU time: the driver's setup and close (RocksDB's flush) are left out of both.
            stopwatch.Stop();
            cpu = ProcessUsage.CpuTime() - cpuBefore;
        }
#pragma warning disable CA1031 // A contender that fails reports why instead of ending the comparison.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            stopwatch.Stop();
            cpu = ProcessUsage.CpuTime() - cpuBefore;
            notes.Add($"failed: {ex.GetType().Name}: {ex.Message}");
        }

        AddJoinerNotes(joiner, notes);
        return new StreamizRunResult(counters.Records, counters.Rows, stopwatch.Elapsed, cpu.TotalSeconds, ProcessUsage.PeakRssBytes(), notes);
    }

    /// <summary>
    /// The rows the join yields for <paramref name="events"/> in record-time order: for each call id, every pair of a
    /// start and an end whose record timestamps are at most the window apart (a redelivered half pairs again).
    /// </summary>
    /// <remarks>
    /// What to wait for in a broker run, and what an in-process run must produce. A malformed half under a call's key
    /// would pair too but make no row; the workload's bad messages have keys of their own, so they pair with nothing.
    /// </remarks>
    public static long ExpectedRows(IEnumerable<WorkloadEvent> events, StreamizJoinSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var window = (long)(settings ?? new StreamizJoinSettings()).Window.TotalMilliseconds;
        var byCall = new Dictionary<string, (List<long> Starts, List<long> Ends)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var id = Convert.ToHexString(e.Key);
            if (!byCall.TryGetValue(id, out var halves))
            {
                byCall[id] = halves = ([], []);
            }

            (e.Side == CallSide.Start ? halves.Starts : halves.Ends).Add(e.TimestampMillis);
        }

        return byCall.Values.Sum(h => (long)h.Starts.Sum(s => h.Ends.Count(e => Math.Abs(e - s) <= window)));
    }

    /// <summary>Streamiz's configuration for a run: byte-array serdes, one stream thread, the given state folder.</summary>
    internal static StreamConfig<ByteArraySerDes, ByteArraySerDes> Config(StreamizJoinSettings settings, string stateDirectory) => new()
    {
        ApplicationId = settings.ApplicationId,
        StateDir = stateDirectory,
        NumStreamThreads = 1,
        Logger = s_logging,
    };

    internal static void AddJoinerNotes(CallRowJoiner joiner, List<string> notes)
    {
        if (joiner.Failed > 0)
        {
            notes.Add($"{joiner.Failed} joined pairs made no row (malformed or ids that differ)");
        }
    }
}
