using System.Text.Json;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>Splitting JSONL output into lines (as bytes: ClickHouse's own output may not be valid UTF-8) and reading keys.</summary>
internal static class JsonlLines
{
    public static List<byte[]> Split(byte[] text)
    {
        var lines = new List<byte[]>();
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            Assert.True(end >= 0, "every line ends with a newline");
            lines.Add(rest[..end].ToArray());
            rest = rest[(end + 1)..];
        }

        return lines;
    }

    /// <summary>The calls_complete lines.</summary>
    public static List<byte[]> Rows(IEnumerable<byte[]> lines) => [.. lines.Where(l => l.AsSpan().StartsWith("{\"id\":"u8))];

    /// <summary>The calljoin_errors lines.</summary>
    public static List<byte[]> Errors(IEnumerable<byte[]> lines) => [.. lines.Where(l => l.AsSpan().StartsWith("{\"reason\":"u8))];

    /// <summary>The line's keys in order.</summary>
    public static List<string> Keys(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        return [.. document.RootElement.EnumerateObject().Select(p => p.Name)];
    }

    /// <summary>The lines ordered by a key ClickHouse would ORDER BY (ordinal on the selector's text).</summary>
    public static List<byte[]> OrderedBy(IEnumerable<byte[]> lines, Func<JsonElement, string> key) =>
        [.. lines.OrderBy(l => { using var d = JsonDocument.Parse(l); return key(d.RootElement); }, StringComparer.Ordinal)];
}
