using System.Globalization;
using System.Text;

namespace CallJoin.Bench.BoundedState;

/// <summary>The trail simulation's section of the report.</summary>
internal static class TrailReport
{
    public static void Write(StringBuilder report, TrailResult lookup, TrailResult retained)
    {
        var o = lookup.Options;
        report.AppendLine(CultureInfo.InvariantCulture, $"## Committed offsets behind reading: {o.CallsPerSecond:N0} calls/s, {o.LongRunningShare:P1} long-running (10 min–2 h), {o.OrphanEndShare:P1} orphan ends");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"""
            Compressed time: calls generated in record-time order ({o.Partitions} partitions, ~250 B starts, ~190 B ends that carry
            started_at; normal calls last 0.1–5 s) go through the real `JoinEngine` (default timeouts: 5 min, matched calls
            remembered 1 h) and the real `OffsetLedger` (the service's commit policy). The sink and the lookups are modelled in
            stream time: a batch is sent every {o.FlushMillis} ms and durable {o.InsertMillis} ms later; one lookup batch is in flight,
            queried once everything written before it is durable, answered {o.QueryMillis} ms later from what is durable.
            "Held" is what a pod that lost its volume would read again: every message from each partition's commit point on.
            """);
        report.AppendLine();
        report.AppendLine("| late partners | stream time | messages | held at the end | peak held | oldest commit point at the end | peak | pending halves (peak) | matched calls remembered (peak) | their memory (peak) | simulation wall / CPU |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { lookup, retained })
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Options.Mode} | {r.Options.Duration.TotalMinutes:F0} min | {r.Messages:N0} | {r.Final.HeldMessages:N0} | {r.Peak.HeldMessages:N0} | {r.Final.OldestHeldSeconds:F1} s | {r.Peak.OldestHeldSeconds:F1} s | {r.Peak.StateEntries:N0} | {r.Peak.MatchedCalls:N0} | {r.Peak.MatchedBytes / 1048576.0:N0} MiB ({(r.Peak.MatchedCalls == 0 ? 0 : (double)r.Peak.MatchedBytes / r.Peak.MatchedCalls):F1} B/call) | {r.Elapsed.TotalSeconds:F0} s / {r.Cpu.TotalSeconds:F0} s |");
        }

        report.AppendLine();
        var c = lookup.Counters;
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Outcomes with lookups: {lookup.Sink.CompleteRows:N0} complete rows ({c.LateMatched:N0} late), {lookup.Sink.RunningRows:N0} running rows, {lookup.Sink.StartMissingRecords:N0} start_missing, {lookup.Sink.OtherErrors:N0} other errors; {c.Lookups:N0} halves looked up ({c.EarlyLookups:N0} ends after the short wait, by their started_at) in {lookup.LookupBatches:N0} batches.");
        report.AppendLine();
        report.AppendLine("Every 5 minutes of stream time, with lookups:");
        report.AppendLine();
        report.AppendLine("| minute | held messages | oldest commit point | pending halves | matched calls |");
        report.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var s in lookup.Samples.Where(s => Math.Round(s.StreamSeconds) % 300 == 0))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"| {s.StreamSeconds / 60:F0} | {s.HeldMessages:N0} | {s.OldestHeldSeconds:F1} s | {s.StateEntries:N0} | {s.MatchedCalls:N0} |");
        }

        report.AppendLine();
    }
}
