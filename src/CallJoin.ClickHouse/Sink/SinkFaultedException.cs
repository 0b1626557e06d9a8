namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// The sink stopped on a failure it must not retry (<see cref="InsertFailureKind.Fatal"/>); the cause is the inner
/// exception. Nothing after the last acknowledged batch is durable.
/// </summary>
public sealed class SinkFaultedException : Exception
{
    public SinkFaultedException()
    {
    }

    public SinkFaultedException(string message)
        : base(message)
    {
    }

    public SinkFaultedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
