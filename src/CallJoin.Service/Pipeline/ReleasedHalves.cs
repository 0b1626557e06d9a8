using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The halves released since the last hand-over: placed in the sink as a mark, and once durable queued back to the
/// pipeline, which reports them to the ingest on its own thread. Pooled, so steady state allocates nothing.
/// </summary>
internal sealed class ReleasedHalves : IDurabilityMark
{
    private readonly List<SourcePosition> _starts = new(4096);
    private readonly List<SourcePosition> _ends = new(4096);
    private readonly ConcurrentQueue<ReleasedHalves> _durable;
    private readonly ConcurrentQueue<ReleasedHalves> _pool;

    private ReleasedHalves(ConcurrentQueue<ReleasedHalves> durable, ConcurrentQueue<ReleasedHalves> pool) => (_durable, _pool) = (durable, pool);

    public int Count => _starts.Count + _ends.Count;

    public ReadOnlySpan<SourcePosition> Starts => CollectionsMarshal.AsSpan(_starts);

    public ReadOnlySpan<SourcePosition> Ends => CollectionsMarshal.AsSpan(_ends);

    /// <summary>A buffer from <paramref name="pool"/> (or a new one) that queues itself on <paramref name="durable"/> when reached.</summary>
    public static ReleasedHalves Rent(ConcurrentQueue<ReleasedHalves> durable, ConcurrentQueue<ReleasedHalves> pool) =>
        pool.TryDequeue(out var pooled) ? pooled : new ReleasedHalves(durable, pool);

    public void Add(CallSide side, SourcePosition position) => (side == CallSide.Start ? _starts : _ends).Add(position);

    /// <inheritdoc />
    public void OnDurable() => _durable.Enqueue(this);

    /// <summary>Clears and returns this buffer to its pool, once reported.</summary>
    public void Return()
    {
        _starts.Clear();
        _ends.Clear();
        if (_pool.Count < 64)
        {
            _pool.Enqueue(this);
        }
    }
}
