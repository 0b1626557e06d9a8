using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;
using CallJoin.Replay.Jsonl;

namespace CallJoin.Replay;

/// <summary>A replay into JSONL lines: the path <c>calljoin replay --sink jsonl:</c> takes, in one place.</summary>
public static class JsonlReplay
{
    /// <summary>Replays <paramref name="input"/> through a join engine over <paramref name="store"/> into <paramref name="output"/> (left open, flushed).</summary>
    public static async Task<JsonlReplayResult> RunAsync(
        DumpMerge input, Stream output, IPendingStore store, JoinOptions join, string startTopic, string endTopic, bool drain,
        Action<DumpReader>? onMalformedLine, IProgress<ReplayProgress>? progress, CancellationToken ct)
    {
        using var jsonl = new JsonlJoinOutput(output, startTopic, endTopic, leaveOpen: true);
        var counting = new CountingOutput<JsonlJoinOutput>(jsonl);
        var engine = new JoinEngine<CountingOutput<JsonlJoinOutput>>(store, join, counting);
        var summary = await DumpReplay.RunAsync(input, engine, startTopic, endTopic, drain, waitForOutput: null, onMalformedLine, progress,
            () => (counting.Rows, counting.Errors), ct).ConfigureAwait(false);
        jsonl.Flush();
        return new JsonlReplayResult(summary, counting.ErrorsByReason, engine.Counters);
    }
}

/// <summary>What a JSONL replay read and wrote.</summary>
/// <param name="Summary">Records, rows, errors and time.</param>
/// <param name="ErrorsByReason">Error lines by reason.</param>
/// <param name="Counters">The join's counters.</param>
public sealed record JsonlReplayResult(ReplaySummary Summary, IReadOnlyDictionary<string, long> ErrorsByReason, JoinCounters Counters);
