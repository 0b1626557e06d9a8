using System.Diagnostics;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Dumps;

namespace CallJoin.Replay;

/// <summary>
/// Feeds dump records through a join engine as the live service would, without a broker: the dumps are merged by
/// record time (file order within a dump), each record of the start or end topic is processed with its own
/// partition, offset and timestamp, and at the end of input the engine drains (unless told not to).
/// </summary>
/// <remarks>
/// Deterministic: stream time comes from the records alone (never the wall clock) and one thread does everything, so
/// the same dumps always give the same output in the same order.
/// </remarks>
public static class DumpReplay
{
    /// <summary>Replays <paramref name="input"/> into <paramref name="engine"/>.</summary>
    /// <param name="input">The dumps, merged.</param>
    /// <param name="engine">The engine, over the output that receives rows and errors.</param>
    /// <param name="startTopic">Records of this topic are starts.</param>
    /// <param name="endTopic">Records of this topic are ends.</param>
    /// <param name="drain">Whether to apply every remaining timeout at the end (running rows, start_missing).</param>
    /// <param name="waitForOutput">Awaited every so often, for an output that applies backpressure (the ClickHouse sink).</param>
    /// <param name="onMalformedLine">Told of every dump line that is not a record.</param>
    /// <param name="progress">Reported about once a second.</param>
    /// <param name="rowsAndErrors">Reads the rows and errors written so far, for progress and the summary.</param>
    /// <param name="ct">Stops between records.</param>
    public static async Task<ReplaySummary> RunAsync<TOutput>(
        DumpMerge input, JoinEngine<TOutput> engine, string startTopic, string endTopic, bool drain,
        Func<ValueTask>? waitForOutput, Action<DumpReader>? onMalformedLine, IProgress<ReplayProgress>? progress,
        Func<(long Rows, long Errors)> rowsAndErrors, CancellationToken ct)
        where TOutput : IJoinOutput
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(rowsAndErrors);
        var clock = Stopwatch.StartNew();
        var nextReport = 1000L;
        long records = 0;
        var halves = new DumpHalves(input, startTopic, endTopic, onMalformedLine);
        while (halves.TryRead(out var side))
        {
            var reader = halves.Current;

            // The key as the service sees it: a null key (kcat: "key": null) is empty and accepted, as live.
            engine.Process(side, reader.HasPayload ? reader.Payload : default, reader.HasKey ? reader.Key : default,
                new SourcePosition(reader.Partition, reader.Offset), reader.TimestampMillis);
            if ((++records & 1023) == 0)
            {
                ct.ThrowIfCancellationRequested();
                if (waitForOutput is not null)
                {
                    await waitForOutput().ConfigureAwait(false);
                }

                if (progress is not null && clock.ElapsedMilliseconds >= nextReport)
                {
                    nextReport = clock.ElapsedMilliseconds + 1000;
                    var (r, e) = rowsAndErrors();
                    progress.Report(new ReplayProgress(records, r, e, clock.Elapsed));
                }
            }
        }

        if (drain)
        {
            engine.Drain();
        }

        var (rows, errors) = rowsAndErrors();
        return new ReplaySummary(records, halves.OtherTopics, halves.MalformedLines, rows, errors, clock.Elapsed);
    }
}
