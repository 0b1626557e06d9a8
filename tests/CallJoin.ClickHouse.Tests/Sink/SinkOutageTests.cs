using CallJoin.ClickHouse.Sink;
using CallJoin.Testing;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>
/// ClickHouse unreachable mid-stream (the embedded listener suspended): the sink retries, holds memory within its
/// limit by making the producer wait, acknowledges nothing that is not durable, and after resume every row is there once.
/// </summary>
[Collection(nameof(SinkOutageTests))]
[CollectionDefinition(nameof(SinkOutageTests), DisableParallelization = true)]
public sealed class SinkOutageTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    private static SinkOptions FastRetries => new()
    {
        MaxBatchRows = 2_000,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task Rows_sent_while_the_endpoint_is_down_land_once_after_it_resumes_and_are_acknowledged_only_then()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_outage");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var log = new RecordingLogger();
        await using var sink = new ClickHouseSink(db.Client, FastRetries, jitter: new Random(7), log: log);
        // Every acknowledged checkpoint (rows added before it) next to the rows ClickHouse held when the ack arrived.
        var observed = new List<(long Mark, ulong Stored)>();
        var acks = Task.Run(async () =>
        {
            await foreach (var ack in sink.Acks.ReadAllAsync(timeout.Token))
            {
                // An ack can arrive just as the endpoint is suspended: count once it answers again (a later count
                // can only be higher, and the check is that an ack never runs ahead of what is stored).
                ulong stored;
                while (true)
                {
                    try
                    {
                        stored = await db.CountAsync("SELECT count() FROM calls_complete");
                        break;
                    }
                    catch (HttpRequestException)
                    {
                        await Task.Delay(20, timeout.Token);
                    }
                }

                observed.AddRange(NamedMark.Names(ack.Marks).Select(c => ((long)c, stored)));
            }
        });

        await AddAsync(sink, rows, 0, 10_000, timeout.Token);
        await sink.FlushAsync(timeout.Token);
        await clickHouse.Server.SuspendAsync(timeout.Token);
        try
        {
            await AddAsync(sink, rows, 10_000, 30_000, timeout.Token);
            // Make sure the outage was felt: at least one insert failed and is being retried.
            await Eventually.TrueAsync(() => sink.Retries > 0, "an insert failed during the outage and is being retried", SafetyNet);

            Assert.True(sink.BufferedBytes > 0);
            Assert.True(sink.IsFailing);
            Assert.All(observed, o => Assert.True(o.Mark <= 10_000));
        }
        finally
        {
            await clickHouse.Server.ResumeAsync(timeout.Token);
        }

        await sink.CompleteAsync(timeout.Token);
        await acks;

        Assert.IsType<HttpRequestException>(sink.LastTransientError);
        Assert.False(sink.IsFailing);
        // The outage was logged (the first failure at least; then at most every FailureLogInterval) and so was its end.
        Assert.Contains(log.Messages(101), m => m.Contains("HttpRequestException", StringComparison.Ordinal));
        Assert.NotEmpty(log.Messages(102));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => i * 1_000L), observed.Select(o => o.Mark));
        Assert.All(observed, o => Assert.True(o.Stored >= (ulong)o.Mark, $"mark {o.Mark} acknowledged with {o.Stored} rows stored"));
        Assert.Equal(30_000UL, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal(30_000UL, await db.CountAsync("SELECT count() FROM calls_complete FINAL"));
        Assert.Equal(30_000UL, await db.CountAsync("SELECT uniqExact(id) FROM calls_complete"));
    }

    [Fact]
    public async Task While_the_endpoint_is_down_the_producer_waits_with_buffered_bytes_bounded_and_resumes_by_itself()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_backpressure");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var options = FastRetries with { MaxBatchBytes = 64 * 1024, MaxBufferedBytes = 256 * 1024 };
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, options, jitter: new Random(11));
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long mostBuffered = 0;
        long largestRow = 0;
        const int total = 5_000;

        await clickHouse.Server.SuspendAsync(timeout.Token);
        Task producer;
        try
        {
            producer = Task.Run(async () =>
            {
                for (var i = 0; i < total; i++)
                {
                    var before = sink.BufferedBytes;
                    sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
                    largestRow = Math.Max(largestRow, sink.BufferedBytes - before);
                    mostBuffered = Math.Max(mostBuffered, sink.BufferedBytes);
                    var capacity = sink.WaitForCapacityAsync(timeout.Token);
                    if (!capacity.IsCompleted)
                    {
                        blocked.TrySetResult();
                    }

                    await capacity;
                }
            });

            await blocked.Task.WaitAsync(timeout.Token);
            // Nothing can be acknowledged while the endpoint is down, so the producer is still waiting for capacity.
            Assert.False(producer.IsCompleted);
            Assert.True(sink.BufferedBytes > options.MaxBufferedBytes);
        }
        finally
        {
            await clickHouse.Server.ResumeAsync(timeout.Token);
        }

        await producer.WaitAsync(timeout.Token);
        await sink.CompleteAsync(timeout.Token);

        // Whether an insert failed (and was retried) or waited on a kept-alive connection until the resume depends on
        // timing; what matters is that nothing was acknowledged meanwhile (above) and that every row landed once.
        Assert.True(mostBuffered <= options.MaxBufferedBytes + largestRow, $"buffered {mostBuffered} B, limit {options.MaxBufferedBytes} B");
        Assert.Equal((ulong)total, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal((ulong)total, await db.CountAsync("SELECT uniqExact(id) FROM calls_complete"));
    }

    private static async Task AddAsync(ClickHouseSink sink, SinkTestRows rows, int from, int to, CancellationToken ct)
    {
        for (var i = from; i < to; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
            if ((i + 1) % 1_000 == 0)
            {
                sink.AddMark(new NamedMark((long)(i + 1)));
                await sink.WaitForCapacityAsync(ct);
            }
        }
    }
}
