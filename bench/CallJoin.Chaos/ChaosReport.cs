using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallJoin.Chaos;

/// <summary>What a chaos run did and what landed: the hard checks (lost calls, duplicates under FINAL) and everything informational.</summary>
public sealed record ChaosReport
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Mode { get; init; }

    public required int Calls { get; init; }

    public required int Seed { get; init; }

    public required int Partitions { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>Why the run proves nothing (the broker dropped data, the workload was not all published); null when valid.</summary>
    public string? Invalid { get; init; }

    /// <summary>Calls of the workload with a start that are not in calls_complete FINAL.</summary>
    public required long Lost { get; init; }

    /// <summary>Calls with both halves published that FINAL still shows running: their end's effect was lost.</summary>
    public required long EndsLost { get; init; }

    /// <summary>Ids under FINAL that the workload does not have.</summary>
    public required long Unexpected { get; init; }

    /// <summary>Rows under FINAL minus distinct ids under FINAL.</summary>
    public required long FinalDuplicates { get; init; }

    /// <summary>Rows minus distinct ids without FINAL: superseded running rows and re-written rows, merged away later.</summary>
    public required long RawDuplicateRows { get; init; }

    public required long RawRows { get; init; }

    public required long FinalRows { get; init; }

    public required long ExpectedRows { get; init; }

    public required long RunningRows { get; init; }

    public required long ExpectedRunningRows { get; init; }

    /// <summary>Error records under FINAL by reason against the workload's expectation.</summary>
    public required IReadOnlyList<ErrorCountCheck> Errors { get; init; }

    public required ChaosFaults Faults { get; init; }

    public required ChaosBrokerCheck Broker { get; init; }

    /// <summary>Peak resident memory of each service process, by start.</summary>
    public required IReadOnlyList<ServicePeak> Services { get; init; }

    public required long HarnessPeakBytes { get; init; }

    /// <summary>Anything the run noticed that is not a count: a service that exited by itself, a wait that ran out.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Every malformed reason has exactly its expected count.</summary>
    public bool MalformedExact => Errors.Where(e => e.Reason != "start_missing").All(e => e.Actual == e.ExpectedMin);

    /// <summary>Nothing lost (no call missing, no complete call shown running), nothing shown twice, and a valid run.</summary>
    public bool Passed => Invalid is null && Lost == 0 && EndsLost == 0 && FinalDuplicates == 0;

    /// <summary>0 passed; 1 calls (or ends) lost or duplicated under FINAL; 3 an invalid run.</summary>
    public int ExitCode => Invalid is not null ? 3 : Passed ? 0 : 1;

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Chaos run ({Mode}): {(Passed ? "PASSED" : Invalid is not null ? "INVALID" : "FAILED")}");
        md.AppendLine();
        md.AppendLine(c, $"{Calls:N0} calls (seed {Seed}), {Partitions} partitions per topic, started {StartedAt:yyyy-MM-dd HH:mm} UTC, {Duration.TotalMinutes:F1} min.");
        if (Invalid is not null)
        {
            md.AppendLine().AppendLine(c, $"**Invalid run:** {Invalid}");
        }

        md.AppendLine().AppendLine("| check | value | expected |").AppendLine("|---|---:|---:|");
        md.AppendLine(c, $"| calls lost | {Lost:N0} | 0 |");
        md.AppendLine(c, $"| complete calls shown running under FINAL (end lost) | {EndsLost:N0} | 0 |");
        md.AppendLine(c, $"| duplicates under FINAL | {FinalDuplicates:N0} | 0 |");
        md.AppendLine(c, $"| rows under FINAL | {FinalRows:N0} | {ExpectedRows:N0} |");
        md.AppendLine(c, $"| running rows under FINAL | {RunningRows:N0} | {ExpectedRunningRows:N0} |");
        md.AppendLine(c, $"| ids not in the workload | {Unexpected:N0} | 0 |");
        md.AppendLine(c, $"| raw duplicate rows (before FINAL, informational) | {RawDuplicateRows:N0} of {RawRows:N0} | — |");
        md.AppendLine().AppendLine("| error reason | actual | expected | verdict |").AppendLine("|---|---:|---:|---|");
        foreach (var e in Errors)
        {
            md.AppendLine(c, $"| {e.Reason} | {e.Actual:N0} | {e.Expected} | {e.Verdict} |");
        }

        var f = Faults;
        md.AppendLine().AppendLine("| fault | applied |").AppendLine("|---|---:|");
        md.AppendLine(c, $"| kill -9 of a service | {f.Kills} |");
        md.AppendLine(c, $"| injected broker request errors (rounds) | {f.BrokerErrors} ({f.BrokerErrorRounds}) |");
        md.AppendLine(c, $"| broker down and up | {f.BrokerOutages} ({f.BrokerDownSeconds:F0} s down) |");
        md.AppendLine(c, $"| ClickHouse suspended | {f.ClickHouseOutageSeconds:F0} s |");
        md.AppendLine(c, $"| group membership changes (rebalances) | {f.Rebalances} ({f.Joins} joins, {f.Leaves} graceful leaves, {f.Kills} kills) |");
        md.AppendLine(c, $"| service starts | {f.ServiceStarts} |");

        var b = Broker;
        md.AppendLine().AppendLine("| broker | value |").AppendLine("|---|---:|");
        md.AppendLine(c, $"| starts published / in the topic | {b.StartsPublished:N0} / {b.StartsInTopic:N0} |");
        md.AppendLine(c, $"| ends published / in the topic | {b.EndsPublished:N0} / {b.EndsInTopic:N0} |");
        md.AppendLine(c, $"| failed deliveries | {b.FailedDeliveries:N0} |");
        md.AppendLine(c, $"| partitions whose low watermark moved (data dropped) | {b.PartitionsTrimmed} |");
        md.AppendLine(c, $"| payload published | {b.PayloadBytes / 1e6:N1} MB (≤ {b.MaxPartitionPayloadEstimate / 1e6:N2} MB per partition, estimated) |");
        md.AppendLine(c, $"| publisher furthest behind real time | {b.PublisherBehindSeconds:F1} s |");

        md.AppendLine().AppendLine("| process | peak RSS | ended |").AppendLine("|---|---:|---|");
        foreach (var s in Services)
        {
            md.AppendLine(c, $"| service {s.Name} | {s.PeakBytes / (1024.0 * 1024):N0} MiB | {s.Ended} |");
        }

        md.AppendLine(c, $"| harness (broker, ClickHouse engine, publisher) | {HarnessPeakBytes / (1024.0 * 1024):N0} MiB | — |");
        if (Notes.Count > 0)
        {
            md.AppendLine().AppendLine("Notes:").AppendLine();
            foreach (var n in Notes)
            {
                md.AppendLine(c, $"- {n}");
            }
        }

        return md.ToString();
    }

    /// <summary>Writes <c>chaos.md</c> and <c>chaos.json</c> (or with <paramref name="name"/>) into <paramref name="directory"/>.</summary>
    public void WriteTo(string directory, string name = "chaos")
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".md"), ToMarkdown());
        File.WriteAllText(Path.Combine(directory, name + ".json"), ToJson());
    }
}
