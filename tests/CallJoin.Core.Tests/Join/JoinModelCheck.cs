using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Core.Tests.Join;

/// <summary>Runs a generated stream through the engine and the reference model and compares everything they wrote.</summary>
internal static class JoinModelCheck
{
    internal static void AssertSameAsModel(List<HalfEvent> events, JoinOptions options, IPendingStore? store = null)
    {
        var model = new JoinReferenceModel(options);
        foreach (var e in events)
        {
            model.Process(e);
        }

        model.Drain();
        var (engine, output) = Run(events, options, store);

        Assert.Equal(Sorted(model.Results), Sorted(output.Results));
        Assert.Equivalent(model.Counters, engine.Counters);
        Assert.Equal(0, engine.State.Entries);
        Assert.Equal(0, engine.PendingTimers);

        // Every consumed half was released exactly once, so the ingest's commit point can pass every offset.
        var consumed = events.Select(e => $"{e.Side} {e.Position}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(consumed, output.Released.Select(r => $"{r.Side} {r.Position}").Order(StringComparer.Ordinal).ToList());
    }

    internal static (JoinEngine<RecordingOutput> Engine, RecordingOutput Output) Run(List<HalfEvent> events, JoinOptions options, IPendingStore? store = null)
    {
        var output = new RecordingOutput();
        var engine = new JoinEngine<RecordingOutput>(store ?? new InMemoryPendingStore(), options, output);
        foreach (var e in events)
        {
            engine.Process(e.Side, e.Payload, e.Position, e.Timestamp);
        }

        engine.Drain();
        return (engine, output);
    }

    private static List<string> Sorted(List<JoinResult> results) => results.Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
}
