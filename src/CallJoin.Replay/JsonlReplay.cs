using System.Diagnostics;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;
using CallJoin.Replay.Engines;

namespace CallJoin.Replay;

/// <summary>A replay into JSONL lines: the path <c>calljoin replay --sink jsonl:</c> takes, in one place.</summary>
/// <remarks>
/// <para>
/// One join engine per pending store, each on its own thread; a record goes to engine <c>partition % engines</c> (a
/// call's start and end share a partition number, as Kafka places them by key). The calling thread reads the dumps
/// and hands the records over in batches; each engine also moves stream time at the other engines' records, so every
/// engine sees stream time exactly as one engine would (the highest record timestamp so far) and applies each timeout
/// at the same record. A writing thread puts the engines' lines back in one engine's order: by the record at which
/// they arose; at one record, the timeouts first, by the time they fell due, then by the input position of the record
/// that brought the half; then the record's own lines. The same dumps give the same bytes with any number of engines.
/// </para>
/// <para>
/// That is the order of one engine (timeouts by due time, then in the order they were scheduled) as long as each
/// retention is at least its timeout plus the longer timeout (true of the defaults: 1 day and 7 days against minutes);
/// otherwise it is still the same for every number of engines. A call whose halves sit on partitions that fall to
/// different engines is not joined, as in a service whose instances own different partitions.
/// </para>
/// </remarks>
public static class JsonlReplay
{
    /// <summary>Replays <paramref name="input"/> through one join engine over <paramref name="store"/> into <paramref name="output"/> (left open, flushed).</summary>
    public static Task<JsonlReplayResult> RunAsync(
        DumpMerge input, Stream output, IPendingStore store, JoinOptions join, string startTopic, string endTopic, bool drain,
        Action<DumpReader>? onMalformedLine, IProgress<ReplayProgress>? progress, CancellationToken ct) =>
        RunAsync(input, output, [store], join, startTopic, endTopic, drain, onMalformedLine, progress, ct);

    /// <summary>
    /// Replays <paramref name="input"/> through one join engine per store in <paramref name="stores"/>, each on its own
    /// thread, into <paramref name="output"/> (left open, flushed): the same bytes whatever the number of engines.
    /// </summary>
    public static Task<JsonlReplayResult> RunAsync(
        DumpMerge input, Stream output, IReadOnlyList<IPendingStore> stores, JoinOptions join, string startTopic, string endTopic, bool drain,
        Action<DumpReader>? onMalformedLine, IProgress<ReplayProgress>? progress, CancellationToken ct) =>
        Run(input, output, stores, join, startTopic, endTopic, drain, onMalformedLine, progress, LaneReplay.DefaultDrainRoundTimers, ct);

    /// <summary>As the public overload, with the number of timers left above which the drain goes in rounds.</summary>
    internal static Task<JsonlReplayResult> Run(
        DumpMerge input, Stream output, IReadOnlyList<IPendingStore> stores, JoinOptions join, string startTopic, string endTopic, bool drain,
        Action<DumpReader>? onMalformedLine, IProgress<ReplayProgress>? progress, int drainRoundTimers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentOutOfRangeException.ThrowIfZero(stores.Count);
        var clock = Stopwatch.StartNew();
        using var replay = new LaneReplay(stores, output, join, startTopic, endTopic, drainRoundTimers, ct);
        var (records, other, malformed) = replay.Run(input, startTopic, endTopic, drain, onMalformedLine, progress);
        ct.ThrowIfCancellationRequested();
        var summary = new ReplaySummary(records, other, malformed, replay.Rows, replay.Errors, clock.Elapsed);
        return Task.FromResult(new JsonlReplayResult(summary, replay.ErrorsByReason(), replay.Counters()));
    }
}

/// <summary>What a JSONL replay read and wrote.</summary>
/// <param name="Summary">Records, rows, errors and time.</param>
/// <param name="ErrorsByReason">Error lines by reason.</param>
/// <param name="Counters">The join's counters (over every engine).</param>
public sealed record JsonlReplayResult(ReplaySummary Summary, IReadOnlyDictionary<string, long> ErrorsByReason, JoinCounters Counters);
