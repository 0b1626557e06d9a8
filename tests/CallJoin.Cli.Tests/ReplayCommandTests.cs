using CallJoin.Testing;

namespace CallJoin.Cli.Tests;

/// <summary><c>calljoin produce --dump</c> then <c>calljoin replay</c>: the same JSONL from one engine and from several.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("calljoin-replay-").FullName;

    [Fact]
    public async Task A_produced_dump_replays_to_the_same_bytes_on_one_engine_and_on_three_with_state_on_disk()
    {
        var dump = Path.Combine(_dir, "compact.jsonl.gz");
        var produced = await CalljoinProcess.RunAsync("produce", "--calls", "400", "--compact", "--partitions", "5", "--dump", dump);
        Assert.Equal(0, produced.ExitCode);

        var one = Path.Combine(_dir, "one.jsonl");
        var three = Path.Combine(_dir, "three.jsonl");
        var single = await CalljoinProcess.RunAsync("replay", dump, "--threads", "1", "--sink", "jsonl:" + one);
        var several = await CalljoinProcess.RunAsync("replay", dump, "--threads", "3", "--state", Path.Combine(_dir, "state"), "--sink", "jsonl:" + three);

        Assert.Equal((0, 0), (single.ExitCode, several.ExitCode));
        var expected = await File.ReadAllBytesAsync(one, TestContext.Current.CancellationToken);
        Assert.True(expected.Length > 0, "the replay wrote nothing");
        Assert.Equal(expected, await File.ReadAllBytesAsync(three, TestContext.Current.CancellationToken));
        Assert.Contains("replay: ", several.Errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
