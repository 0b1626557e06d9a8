using System.Buffers;
using System.Text.Json;

namespace CallJoin.Workload.Legacy;

/// <summary>
/// A start carrying only a call's key and a placeholder started_at: lets <see cref="Core.Halves.CallRowBuilder"/> read
/// an end on its own (the old server's end rows, a per-message worker's end).
/// </summary>
public static class KeyOnlyStart
{
    /// <summary>Replaces what <paramref name="output"/> holds with the start of the call <paramref name="projectId"/>/<paramref name="id"/>.</summary>
    public static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Clear();
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("project_id"u8, projectId);
        json.WriteString("id"u8, id);
        json.WriteString("started_at"u8, "1970-01-01T00:00:00Z"u8);
        json.WriteEndObject();
        json.Flush();
    }
}
