using System.Text.Json.Serialization;

namespace CallJoin.Bench.Compare;

/// <summary>What one data variant held: calls, records, bytes and partitions per topic.</summary>
internal sealed record VariantParameters(
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("calls")] long Calls,
    [property: JsonPropertyName("records")] long Records,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("partitions")] int Partitions,
    [property: JsonPropertyName("compact_halves")] bool CompactHalves);
