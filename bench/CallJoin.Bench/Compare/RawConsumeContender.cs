using CallJoin.Core;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>raw-consume</c>: a bare Confluent.Kafka consumer reading both topics from offset 0 to the end, touching every key
/// and value and doing nothing else: the ceiling any Kafka-fed contender can reach on this broker and machine.
/// </summary>
/// <remarks>Assigned every partition directly (no group, no rebalance wait); measured in the harness's process.</remarks>
internal sealed class RawConsumeContender : ICompareContender
{
    public string Name => "raw-consume";

    public Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct) => Task.Run(() => Consume(data, ct), ct);

    private ContenderResult Consume(CompareData data, CancellationToken ct)
    {
        var meter = InProcessMeter.Start();
        long records = 0, bytes = 0;
        foreach (var message in BacklogReader.Read(data.Broker.BootstrapServers, [WeaveTopics.CallStarted, WeaveTopics.CallEnded], data.Partitions, ct))
        {
            records++;
            bytes += (message.Key?.Length ?? 0) + (message.Value?.Length ?? 0);
        }

        var expected = data.Expected.Messages;
        var correct = records == expected && bytes == data.InputBytes;
        return meter.Stop(Name, data.Variant, records, bytes, correct,
            correct ? "every message read once" : $"read {records:N0} messages ({bytes:N0} B), expected {expected:N0} ({data.InputBytes:N0} B)");
    }
}
