using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Testing;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>Every kind of error record names the topics the sink was configured with, not upstream's defaults.</summary>
public sealed class ErrorTopicTests(ClickHouseFixture clickHouse)
{
    [Fact]
    public async Task Join_errors_oversize_rows_and_refused_rows_carry_the_configured_topic_names()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_topics");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await db.Client.ExecuteNonQueryAsync("ALTER TABLE calls_complete ADD CONSTRAINT no_poison CHECK op_name != 'poison'");
        var rows = new SinkTestRows();
        var options = new SinkOptions { StartTopic = "acme.starts", EndTopic = "acme.ends", MaxRowBytes = 2_000 };
        await using (var sink = new ClickHouseSink(db.Client, options))
        {
            sink.AddError(new JoinError("malformed_json", CallSide.Start, new SourcePosition(0, 1), 1_000, 1_000, default, default, "{"u8));
            sink.AddError(new JoinError(JoinErrorReason.StartMissing, CallSide.End, new SourcePosition(0, 2), 1_000, 1_000, "p"u8, "c"u8, "{}"u8));
            sink.AddRow(rows.Build(3, "poison"), 1_000, new RowSources(new SourcePosition(0, 3), default, Complete: false));   // refused, a running row: its start
            var oversize = new CallRowData();
            Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(
                """{"project_id":"proj","id":"huge","op_name":"op","started_at":"2025-01-02T00:00:00Z"}"""u8,
                System.Text.Encoding.UTF8.GetBytes("""{"project_id":"proj","id":"huge","ended_at":"2025-01-02T00:00:01Z","output":"X"}""".Replace("X", new string('x', 5_000), StringComparison.Ordinal)),
                oversize));
            sink.AddRow(oversize, 2_000, new RowSources(new SourcePosition(0, 4), new SourcePosition(0, 5), Complete: true));   // oversize: its end
            await sink.CompleteAsync(timeout.Token);
        }

        var topics = new List<(string Reason, string Topic)>();
        using var reader = await db.Client.ExecuteReaderAsync("SELECT reason, topic FROM calljoin_errors ORDER BY offset");
        while (reader.Read())
        {
            topics.Add((reader.GetString(0), reader.GetString(1)));
        }

        Assert.Equal(
            [("malformed_json", "acme.starts"), ("start_missing", "acme.ends"), ("rejected_by_clickhouse:469", "acme.starts"), ("oversize_row", "acme.ends")],
            topics);
    }
}
