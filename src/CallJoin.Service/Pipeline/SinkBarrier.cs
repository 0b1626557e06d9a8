using CallJoin.ClickHouse.Sink;

namespace CallJoin.Service.Pipeline;

/// <summary>A sink mark that completes when reached: everything added to the sink before it is durable.</summary>
internal sealed class SinkBarrier : IDurabilityMark
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void OnDurable() => _reached.TrySetResult();
}
