using System.Text;
using System.Text.Json;
using CallJoin.Core;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>A replay applies the service's key rule to the dump's <c>key</c>: a key other than the id is a key_mismatch.</summary>
public sealed class ReplayKeyTests
{
    [Fact]
    public async Task A_dump_record_whose_key_is_not_its_id_replays_as_a_key_mismatch_and_a_null_key_is_accepted()
    {
        const string start = """{"project_id":"p","id":"c1","op_name":"op","started_at":"2026-01-01T00:00:00Z"}""";
        const string end = """{"project_id":"p","id":"c1","ended_at":"2026-01-01T00:00:01Z"}""";
        const string start2 = """{"project_id":"p","id":"c2","op_name":"op","started_at":"2026-01-01T00:00:00Z"}""";
        const string end2 = """{"project_id":"p","id":"c2","ended_at":"2026-01-01T00:00:01Z"}""";
        var dump = string.Join('\n',
            Line(WeaveTopics.CallStarted, 0, 0, 1_767_225_600_000, "c1", start),
            Line(WeaveTopics.CallEnded, 0, 0, 1_767_225_601_000, "other", end),
            Line(WeaveTopics.CallStarted, 0, 1, 1_767_225_602_000, null, start2),
            Line(WeaveTopics.CallEnded, 0, 1, 1_767_225_603_000, "c2", end2)) + "\n";

        using var store = new InMemoryPendingStore();
        using var input = new DumpMerge([new DumpReader(new MemoryStream(Encoding.UTF8.GetBytes(dump)), "keys.jsonl")]);
        using var output = new MemoryStream();
        var result = await JsonlReplay.RunAsync(input, output, store, new JoinOptions(), WeaveTopics.CallStarted, WeaveTopics.CallEnded, drain: true,
            onMalformedLine: null, progress: null, TestContext.Current.CancellationToken);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var mismatch = JsonDocument.Parse(Assert.Single(lines, l => l.StartsWith("{\"reason\":\"key_mismatch\"", StringComparison.Ordinal))).RootElement;
        Assert.Equal(end, mismatch.GetProperty("payload").GetString());
        Assert.Equal(WeaveTopics.CallEnded, mismatch.GetProperty("topic").GetString());
        Assert.Equal(1, result.Counters.KeyMismatches);
        Assert.Equal(1, result.Counters.Matched);       // c2: null key on the start, matching key on the end
        Assert.Equal(1, result.Counters.RunningRows);   // c1's start, its end refused
    }

    private static string Line(string topic, int partition, long offset, long ts, string? key, string payload) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["topic"] = topic,
            ["partition"] = partition,
            ["offset"] = offset,
            ["tstype"] = "create",
            ["ts"] = ts,
            ["broker"] = 0,
            ["headers"] = Array.Empty<string>(),
            ["key"] = key,
            ["payload"] = payload,
        });
}
