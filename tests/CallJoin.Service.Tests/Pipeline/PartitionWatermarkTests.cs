using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Pipeline;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>The watermark across partitions, and partitions that yield nothing.</summary>
public sealed class PartitionWatermarkTests
{
    private const long Wall = 1_767_225_600_000;
    private static readonly int[] Assigned = [0, 1];
    private static readonly PartitionLag[] Behind =
        [new(CallSide.Start, "s", 0, 10), new(CallSide.End, "e", 0, 10), new(CallSide.Start, "s", 1, 10), new(CallSide.End, "e", 1, 10)];

    [Fact]
    public void The_slowest_partition_holds_stream_time_and_an_unread_one_holds_it_back_entirely()
    {
        var watermark = new PartitionWatermark(TimeSpan.FromMinutes(1));
        Read(watermark, 0, 5_000, Wall);
        Assert.False(watermark.TryGet(Assigned, Behind, Wall, out _, out var caughtUp));
        Assert.False(caughtUp);

        Read(watermark, 1, 3_000, Wall);
        Assert.True(watermark.TryGet(Assigned, Behind, Wall, out var time, out _));
        Assert.Equal(3_000, time);
    }

    [Fact]
    public void A_partition_that_yields_nothing_for_the_idle_time_stops_holding_stream_time_back()
    {
        var watermark = new PartitionWatermark(TimeSpan.FromMinutes(1));
        Assert.False(watermark.TryGet(Assigned, Behind, Wall, out _, out _));   // partition 1 is first seen behind now

        Read(watermark, 0, 5_000, Wall + 59_000);
        Assert.False(watermark.TryGet(Assigned, Behind, Wall + 59_000, out _, out _));
        Assert.Equal(0, watermark.IdlePartitions);

        Assert.True(watermark.TryGet(Assigned, Behind, Wall + 60_000, out var time, out _));
        Assert.Equal(5_000, time);
        Assert.Equal(2, watermark.IdlePartitions);   // partition 1 of both topics

        // Every partition behind is idle: no watermark, the wall clock decides as when all are read to their end.
        Assert.False(watermark.TryGet(Assigned, Behind, Wall + 200_000, out _, out var caughtUp));
        Assert.True(caughtUp);
        Assert.Equal(4, watermark.IdlePartitions);
    }

    [Fact]
    public void Silence_while_paused_for_backpressure_makes_no_partition_idle()
    {
        var watermark = new PartitionWatermark(TimeSpan.FromMinutes(1));
        Read(watermark, 0, 5_000, Wall);
        Read(watermark, 1, 3_000, Wall);

        watermark.OnPaused(Wall + 120_000);
        Assert.True(watermark.TryGet(Assigned, Behind, Wall + 150_000, out var time, out _));
        Assert.Equal(3_000, time);
        Assert.Equal(0, watermark.IdlePartitions);
    }

    private static void Read(PartitionWatermark watermark, int partition, long timestamp, long wall)
    {
        watermark.OnRecord(CallSide.Start, partition, timestamp, wall);
        watermark.OnRecord(CallSide.End, partition, timestamp, wall);
    }
}
