using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Bench.BoundedState;

/// <summary>
/// The service's lookups as a model in stream time: one batch in flight; a batch is queried once everything written
/// before it is durable, and answered <paramref name="queryMillis"/> later from what the sink has made visible.
/// </summary>
internal sealed class SimulatedLookups(SimulatedSink sink, SimulatedCalls calls, long queryMillis) : ILatePartnerLookup
{
    private readonly CallRowBuilder _builder = new();
    private readonly CallRowData _running = new();
    private readonly byte[] _half = new byte[1024];
    private List<(CallSide Side, long Index)> _waiting = [];
    private List<(CallSide Side, long Index)> _batch = [];
    private long _answerAt = long.MaxValue;

    public long Batches { get; private set; }

    public int Pending => _waiting.Count + _batch.Count;

    public void Request(CallSide side, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id) =>
        _waiting.Add((side, SimulatedCalls.IndexOf(id)));

    /// <summary>Applies the batch answered by <paramref name="now"/> and starts the next one.</summary>
    public void Advance<TOutput>(JoinEngine<TOutput> engine, long now)
        where TOutput : IJoinOutput
    {
        if (_batch.Count > 0 && now >= _answerAt)
        {
            foreach (var (side, index) in _batch)
            {
                Answer(engine, side, index);
            }

            _batch.Clear();
        }

        if (_batch.Count == 0 && _waiting.Count > 0)
        {
            (_batch, _waiting) = (_waiting, _batch);
            _answerAt = sink.AllWrittenDurableAt(now) + queryMillis;
            Batches++;
        }
    }

    private void Answer<TOutput>(JoinEngine<TOutput> engine, CallSide side, long index)
        where TOutput : IJoinOutput
    {
        Span<byte> id = stackalloc byte[16];
        ((ulong)index).TryFormat(id, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        if (side == CallSide.Start)
        {
            var orphanEnd = sink.StartMissing.Contains(index) ? _half.AsSpan(0, calls.WriteEnd(index, _half)) : default;
            engine.Resolve(new LatePartner { Side = side, ProjectId = SimulatedCalls.Project, Id = id, StartMissingEnd = orphanEnd });
            return;
        }

        CallRowData? running = null;
        if (sink.Running.Contains(index))
        {
            _builder.Build(_half.AsSpan(0, calls.WriteStart(index, _half)), default, _running);
            running = _running;
        }

        engine.Resolve(new LatePartner { Side = side, ProjectId = SimulatedCalls.Project, Id = id, RunningRow = running });
    }
}
