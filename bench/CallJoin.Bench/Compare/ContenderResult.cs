using System.Text.Json.Serialization;

namespace CallJoin.Bench.Compare;

/// <summary>One row of the comparison: a contender on one data variant. Null where a figure does not apply.</summary>
internal sealed record ContenderResult
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The data variant: <c>small</c> or <c>default</c>.</summary>
    [JsonPropertyName("variant")]
    public required string Variant { get; init; }

    /// <summary>Input records (Kafka messages) handled per second.</summary>
    [JsonPropertyName("records_per_s")]
    public double? RecordsPerSecond { get; init; }

    /// <summary>Megabytes (10^6) of input (keys and values) handled per second.</summary>
    [JsonPropertyName("mb_per_s")]
    public double? MegabytesPerSecond { get; init; }

    /// <summary>CPU seconds of the process doing the work per million input records.</summary>
    [JsonPropertyName("cpu_s_per_million")]
    public double? CpuSecondsPerMillion { get; init; }

    /// <summary>
    /// For a child process: CPU seconds per million records the harness spent meanwhile (the embedded ClickHouse and
    /// broker live in it), so the cost the child puts on ClickHouse is not lost.
    /// </summary>
    [JsonPropertyName("harness_cpu_s_per_million")]
    public double? HarnessCpuSecondsPerMillion { get; init; }

    /// <summary>Peak resident memory (VmHWM) of the process doing the work, MiB.</summary>
    [JsonPropertyName("peak_rss_mib")]
    public double? PeakRssMib { get; init; }

    [JsonPropertyName("p50_ms")]
    public double? P50Ms { get; init; }

    [JsonPropertyName("p99_ms")]
    public double? P99Ms { get; init; }

    /// <summary>For a read: the query's peak memory as ClickHouse's memory tracker sees it, MiB.</summary>
    [JsonPropertyName("query_memory_mib")]
    public double? QueryMemoryMib { get; init; }

    /// <summary>Input records the measurement covers.</summary>
    [JsonPropertyName("records")]
    public long? Records { get; init; }

    /// <summary>Seconds measured.</summary>
    [JsonPropertyName("seconds")]
    public double? Seconds { get; init; }

    /// <summary>Whether the output counts matched what the data must give.</summary>
    [JsonPropertyName("correct")]
    public required bool Correct { get; init; }

    /// <summary>False for a placeholder that was not run.</summary>
    [JsonPropertyName("ran")]
    public bool Ran { get; init; } = true;

    /// <summary>What was checked, or why it is not correct.</summary>
    [JsonPropertyName("note")]
    public string? Note { get; init; }

    /// <summary>A row from what was measured: <paramref name="records"/> records of <paramref name="bytes"/> bytes in <paramref name="seconds"/>.</summary>
    public static ContenderResult Measured(string name, string variant, long records, long bytes, double seconds, double cpuSeconds,
        long? peakBytes, bool correct, string? note) => new()
        {
            Name = name,
            Variant = variant,
            Records = records,
            Seconds = Math.Round(seconds, 3),
            RecordsPerSecond = seconds > 0 ? Math.Round(records / seconds) : null,
            MegabytesPerSecond = seconds > 0 ? Math.Round(bytes / seconds / 1e6, 2) : null,
            CpuSecondsPerMillion = records > 0 ? Math.Round(cpuSeconds / records * 1e6, 2) : null,
            PeakRssMib = peakBytes is { } peak ? Math.Round(peak / 1048576.0, 1) : null,
            Correct = correct,
            Note = note,
        };

    /// <summary>A row for a contender that failed before it could measure anything.</summary>
    public static ContenderResult Failed(string name, string variant, string note) =>
        new() { Name = name, Variant = variant, Correct = false, Note = note };
}
