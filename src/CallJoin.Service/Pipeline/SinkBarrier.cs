namespace CallJoin.Service.Pipeline;

/// <summary>
/// A checkpoint token that completes when the ack reader reaches it: everything added to the sink before it is
/// durable and every earlier released half has been reported to the ingest.
/// </summary>
internal sealed class SinkBarrier
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Reach() => _reached.TrySetResult();
}
