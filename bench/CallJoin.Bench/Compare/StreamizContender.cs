using CallJoin.Bench.Compare.Streamiz;
using CallJoin.Core;
using CallJoin.Core.Halves;
using CallJoin.Workload;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>streamiz</c>: the same join as a Streamiz.Kafka.Net application (<see cref="StreamizBrokerRun"/>) on the variant's
/// broker, from offset 0 until it has produced <see cref="StreamizRun.ExpectedRows"/> rows. In the harness's process.
/// </summary>
/// <remarks>
/// The join window is our start timeout (5 min); the grace covers the record-time span of everything on the topics (the
/// service contender's real-time calls, published after the backlog, included), so the window stores keep every half
/// for the run and the order Streamiz happens to read the topics in cannot lose a pair (with the default 5 min grace,
/// one topic read far ahead of the other dropped most of them). The expected rows are counted from what the topics
/// hold. Rates run from the first record in to the last row out; the CPU covers the whole run (group join, RocksDB,
/// changelogs) of the harness's process, which also runs the embedded broker.
/// </remarks>
internal sealed class StreamizContender : ICompareContender
{
    /// <summary>Slack past the data's span for the grace, and time left to the harness's own bound for the report.</summary>
    private static readonly TimeSpan s_margin = TimeSpan.FromMinutes(1);

    /// <summary>Start-up (group join, RocksDB) allowance plus a floor on the rate the run must reach to be reported.</summary>
    private static readonly TimeSpan s_startup = TimeSpan.FromSeconds(30);
    private const double SlowestRecordsPerSecond = 1_000;

    public string Name => "streamiz";

    public async Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct)
    {
        // What the topics hold now, not the workload alone: the service contender publishes a few calls of its own after
        // the backlog, and Streamiz joins those too.
        var (onTopics, messages, bytes) = await Task.Run(() => Published(data, ct), ct);
        var first = onTopics.Min(e => e.TimestampMillis);
        var last = onTopics.Max(e => e.TimestampMillis);

        var settings = new StreamizJoinSettings
        {
            ApplicationId = $"calljoin-streamiz-{data.Variant}-{Guid.NewGuid():N}"[..40],
            Grace = TimeSpan.FromMilliseconds(last - first) + s_margin,
        };
        var expected = StreamizRun.ExpectedRows(onTopics, settings);
        var timeout = Timeout(messages, data.Options.ContenderBound);

        ProcStat.ResetOwnPeak();
        var result = await StreamizBrokerRun.RunAsync(data.Broker.BootstrapServers, expected, timeout, settings,
            (name, partitions) => data.Broker.CreateTopic(name, partitions), ct);
        var peak = ProcStat.PeakResidentBytes(Environment.ProcessId);

        var correct = result.Rows == expected && result.Notes.Count == 0;
        var note = $"{result.Rows:N0} rows of {expected:N0} (pairs at most {settings.Window.TotalMinutes:0} min apart), {result.Records:N0} of {messages:N0} records read; grace {Span(settings.Grace)} (the topics' record-time span + 1 min); CPU includes the broker";
        if (result.Notes.Count > 0)
        {
            note += "; " + string.Join("; ", result.Notes);
        }

        return ContenderResult.Measured(Name, data.Variant, result.Records, bytes * Math.Min(result.Records, messages) / Math.Max(1, messages),
            result.Elapsed.TotalSeconds, result.CpuSeconds, peak, correct, correct ? note : "MISMATCH " + note);
    }

    /// <summary>Every keyed message on the two topics as the join sees it (side, key, record time), and the count and bytes of all messages.</summary>
    private static (List<WorkloadEvent> Events, long Messages, long Bytes) Published(CompareData data, CancellationToken ct)
    {
        var events = new List<WorkloadEvent>();
        long messages = 0, bytes = 0;
        foreach (var (topic, side, kind) in new[] { (WeaveTopics.CallStarted, CallSide.Start, WorkloadEventKind.Start), (WeaveTopics.CallEnded, CallSide.End, WorkloadEventKind.End) })
        {
            foreach (var message in BacklogReader.Read(data.Broker.BootstrapServers, [topic], data.Partitions, ct))
            {
                messages++;
                bytes += (message.Key?.Length ?? 0) + (message.Value?.Length ?? 0);
                if (message.Key is { } key)
                {
                    // A message without a key is dropped by Streamiz's join before it reaches a store.
                    events.Add(new WorkloadEvent(side, key, message.Value ?? [], message.Timestamp.UnixTimestampMs, kind));
                }
            }
        }

        return (events, messages, bytes);
    }

    private static string Span(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{span.TotalDays:0} days" : span.TotalHours >= 2 ? $"{span.TotalHours:0} h" : $"{span.TotalMinutes:0} min";

    /// <summary>Long enough for the data at a low rate, short enough to report a stall itself before the harness's bound.</summary>
    private static TimeSpan Timeout(long records, TimeSpan bound)
    {
        var scaled = s_startup + TimeSpan.FromSeconds(records / SlowestRecordsPerSecond);
        var cap = bound - s_margin > s_startup ? bound - s_margin : bound / 2;
        return scaled < cap ? scaled : cap;
    }
}
