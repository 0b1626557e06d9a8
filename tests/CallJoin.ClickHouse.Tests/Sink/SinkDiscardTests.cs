using CallJoin.ClickHouse.Sink;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>A discarding sink (<see cref="SinkOptions.Discard"/>): every batch is built and acknowledged, nothing is sent.</summary>
public sealed class SinkDiscardTests
{
    [Fact]
    public async Task Every_row_is_acknowledged_without_a_clickhouse_to_send_it_to()
    {
        // Nothing listens on port 9: a sink that tried to send would retry forever and never acknowledge.
        using var client = new ClickHouseClient("Host=127.0.0.1;Port=9;Protocol=http");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(client, new SinkOptions { Discard = true, MaxBatchRows = 100 });
        const int total = 1_000;
        for (var i = 0; i < total; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
        }

        await sink.FlushAsync(timeout.Token);

        Assert.Equal(total, sink.InsertedRows);
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Equal(0, sink.Retries);
        var acked = 0L;
        while (sink.Acks.TryRead(out var ack))
        {
            acked += ack.Rows;
        }

        Assert.Equal(total, acked);
    }
}
