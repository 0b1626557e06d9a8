namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// An <see cref="IInsertTransport"/> that sends nothing and reports every insert as done: the sink still builds,
/// encodes, batches and tokens each block exactly as usual (<see cref="SinkOptions.Discard"/>).
/// </summary>
/// <remarks>Thread-safe and stateless.</remarks>
public sealed class DiscardingInsertTransport : IInsertTransport
{
    private DiscardingInsertTransport()
    {
    }

    /// <summary>The one instance.</summary>
    public static DiscardingInsertTransport Instance { get; } = new();

    public Task InsertAsync(string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rowBinary, string deduplicationToken, CancellationToken ct) =>
        ct.IsCancellationRequested ? Task.FromCanceled(ct) : Task.CompletedTask;
}
