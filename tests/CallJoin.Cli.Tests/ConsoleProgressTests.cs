using Microsoft.Extensions.Time.Testing;

namespace CallJoin.Cli.Tests;

/// <summary>The long commands' progress display: plain lines when redirected, one redrawn line on a terminal.</summary>
public sealed class ConsoleProgressTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly StringWriter _output = new();

    public void Dispose() => _output.Dispose();

    [Fact]
    public void Redirected_output_gets_a_plain_line_at_most_every_interval_with_rate_and_ETA()
    {
        var progress = new ConsoleProgress("replay", "records", _output, interactive: false, _time);

        _time.Advance(TimeSpan.FromSeconds(4));
        progress.Update(4_000, done: 400, total: 1_000);
        _time.Advance(TimeSpan.FromSeconds(1));
        progress.Update(5_000, done: 500, total: 1_000, detail: "12 rows");
        _time.Advance(TimeSpan.FromSeconds(1));
        progress.Update(6_000, done: 600, total: 1_000);

        Assert.Equal("replay: 50%, 5,000 records, 1,000 records/s, ETA 00:00:05; 12 rows" + Environment.NewLine, _output.ToString());
    }

    [Fact]
    public void Without_a_total_there_is_no_ETA()
    {
        var progress = new ConsoleProgress("record", "records read", _output, interactive: false, _time);

        _time.Advance(TimeSpan.FromSeconds(10));
        progress.Update(2_000);

        Assert.Equal("record: 2,000 records read, 200 records read/s" + Environment.NewLine, _output.ToString());
    }

    [Fact]
    public void A_terminal_gets_one_line_redrawn_in_place_and_cleared_before_other_lines()
    {
        var progress = new ConsoleProgress("produce", "messages", _output, interactive: true, _time);

        _time.Advance(TimeSpan.FromSeconds(2));
        progress.Update(100, done: 100, total: 400);
        progress.Line("produce: done");

        Assert.Equal("\rproduce: [######..................]  25% 100 messages, 50 messages/s, ETA 00:00:06\u001b[K\r\u001b[Kproduce: done" + Environment.NewLine,
            _output.ToString());
    }
}
