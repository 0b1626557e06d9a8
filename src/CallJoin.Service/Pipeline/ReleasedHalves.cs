using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The halves released since the last sink checkpoint: handed to the sink as a checkpoint token, and reported durable
/// to the ingest when the sink acknowledges it. Pooled, so steady state allocates nothing.
/// </summary>
internal sealed class ReleasedHalves
{
    private static readonly ConcurrentQueue<ReleasedHalves> Pool = new();

    private readonly List<SourcePosition> _starts = new(4096);
    private readonly List<SourcePosition> _ends = new(4096);

    public int Count => _starts.Count + _ends.Count;

    public ReadOnlySpan<SourcePosition> Starts => CollectionsMarshal.AsSpan(_starts);

    public ReadOnlySpan<SourcePosition> Ends => CollectionsMarshal.AsSpan(_ends);

    public static ReleasedHalves Rent() => Pool.TryDequeue(out var pooled) ? pooled : new ReleasedHalves();

    public void Add(CallSide side, SourcePosition position) => (side == CallSide.Start ? _starts : _ends).Add(position);

    /// <summary>Clears and returns this buffer to the pool (by the ack reader, after reporting it).</summary>
    public void Return()
    {
        _starts.Clear();
        _ends.Clear();
        if (Pool.Count < 64)
        {
            Pool.Enqueue(this);
        }
    }
}
