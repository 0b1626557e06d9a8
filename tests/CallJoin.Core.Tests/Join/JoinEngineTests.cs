using System.Buffers;
using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Core.Tests.Join;

/// <summary>The join rules on hand-written examples; the property tests cover their interleavings.</summary>
public sealed class JoinEngineTests
{
    private const long T0 = 1_767_225_600_000;
    private const long Minute = 60_000;
    private readonly RecordingOutput _output = new();
    private readonly JoinEngine<RecordingOutput> _engine;

    public JoinEngineTests() => _engine = new JoinEngine<RecordingOutput>(new InMemoryPendingStore(), new JoinOptions(), _output);

    [Fact]
    public void An_end_before_its_start_gives_one_complete_row_with_the_starts_started_at()
    {
        Assert.Equal(JoinOutcome.Stored, Feed(End("c1", 2, T0 + 1_000), T0 + 1_000));
        Assert.Equal(JoinOutcome.Matched, Feed(Start("c1", 1, T0), T0 + 2_000));

        var row = Assert.Single(_output.Results);
        Assert.Equal("complete", row.Kind);
        Assert.Equal(T0 * 1000, row.A);                 // started_at from the start, in microseconds
        Assert.Equal((T0 + 1_000) * 1000, row.B);
        Assert.Equal(T0 + 1_000, row.At);               // version: the call's ended_at, after its started_at
        Assert.Equal("{\"v\": 1}|{\"v\": 2}", row.Detail);
        Assert.Equal(1, _engine.Counters.Matched);
    }

    [Fact]
    public void A_start_alone_becomes_a_running_row_and_its_late_end_a_newer_complete_row()
    {
        Feed(Start("c2", 1, T0), T0);
        _engine.AdvanceTime(T0 + (5 * Minute));
        Feed(End("c2", 3, T0 + (30 * Minute)), T0 + (30 * Minute));

        Assert.Collection(_output.Results,
            running => Assert.Equal(("running", 0L, T0), (running.Kind, running.B, running.At)),
            complete => Assert.Equal(("complete", T0 + (30 * Minute)), (complete.Kind, complete.At)));
        Assert.Equal(1, _engine.Counters.RunningRows);
        Assert.Equal(1, _engine.Counters.LateMatched);
    }

    [Fact]
    public void An_orphan_end_is_reported_start_missing_and_still_joins_a_late_start()
    {
        Feed(End("c3", 2, T0), T0, new SourcePosition(4, 77));
        Feed(Start("other", 1, T0 + (6 * Minute)), T0 + (6 * Minute));
        Feed(Start("c3", 1, T0 - 1_000), T0 + (20 * Minute));

        Assert.Equal("error:start_missing p/c3 at=" + (T0 + (5 * Minute)) + " 4 77 End", _output.Results[0].ToString());
        Assert.Equal("complete", _output.Results.Single(r => r.Id == "c3" && r.Kind != "error:start_missing").Kind);
        Assert.Equal(1, _engine.Counters.StartMissing);
        Assert.Equal(1, _engine.Counters.LateMatched);
    }

    [Fact]
    public void A_start_published_again_after_its_call_was_forgotten_cannot_outrank_the_complete_row()
    {
        Feed(Start("c5", 1, T0), T0);
        Feed(End("c5", 2, T0 + 1_000), T0 + 1_000);
        _engine.AdvanceTime(T0 + (2 * 60 * Minute));                        // the tombstone is gone
        Feed(Start("c5", 1, T0), T0 + (3 * 60 * Minute));                   // the same start, re-published hours later
        _engine.AdvanceTime(T0 + (4 * 60 * Minute));

        Assert.Equal(["complete", "running"], _output.Results.Select(r => r.Kind));
        Assert.True(_output.Results[1].At < _output.Results[0].At, "the running row's version must be older than the complete row's");
    }

    [Fact]
    public void Duplicates_are_counted_and_conflicts_keep_the_first_half()
    {
        Feed(Start("c4", 1, T0), T0);
        Assert.Equal(JoinOutcome.Duplicate, Feed(Start("c4", 1, T0), T0 + 1));
        Assert.Equal(JoinOutcome.Conflict, Feed(Start("c4", 9, T0), T0 + 2));
        Feed(End("c4", 2, T0 + 5), T0 + 5);
        Assert.Equal(JoinOutcome.Duplicate, Feed(End("c4", 2, T0 + 5), T0 + 6));   // after the match: remembered

        Assert.Equal(["error:conflicting_duplicate", "complete"], _output.Results.Select(r => r.Kind));
        Assert.Equal("{\"v\": 1}|{\"v\": 2}", _output.Results[1].Detail);
        Assert.Equal(2, _engine.Counters.Duplicates);
        Assert.Equal(1, _engine.Counters.Conflicts);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"project_id\":\"p\",\"started_at\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"project_id\":\"p\",\"id\":\"x\",\"started_at\":\"not a time\"}")]
    public void Malformed_input_becomes_an_error_record_not_an_exception(string json)
    {
        var engine = new JoinEngine<ReasonOutput>(new InMemoryPendingStore(), new JoinOptions(), new ReasonOutput());
        Assert.Equal(JoinOutcome.Malformed, engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(json), new SourcePosition(0, 9), T0));
        Assert.Equal(1, engine.Counters.Malformed);
        Assert.Equal(0, engine.State.Entries);
    }

    [Fact]
    public void Draining_turns_what_is_left_into_running_rows_and_start_missing_records()
    {
        Feed(Start("s", 1, T0), T0);
        Feed(End("e", 1, T0), T0);
        _engine.Drain();

        Assert.Equal(["error:start_missing", "running"], _output.Results.Select(r => r.Kind).Order());
        Assert.Equal(0, _engine.State.Entries);
        Assert.Equal(1, _engine.Counters.ExpiredStarts);
        Assert.Equal(1, _engine.Counters.ExpiredEnds);
    }

    [Fact]
    public void A_half_too_large_to_wait_is_an_error_and_does_not_complete_a_waiting_partner()
    {
        var output = new RecordingOutput();
        var engine = new JoinEngine<RecordingOutput>(new SmallStore(400), new JoinOptions(), output);
        var big = Start("big", 1, T0).Replace("\"inputs\":{\"v\":1}", "\"inputs\":{\"v\":1,\"pad\":\"" + new string('x', 500) + "\"}", StringComparison.Ordinal);

        Assert.Equal(JoinOutcome.HalfTooLarge, engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(big), default, T0));
        engine.Process(CallSide.End, Encoding.UTF8.GetBytes(End("big", 2, T0)), default, T0);
        Assert.Equal(JoinOutcome.HalfTooLarge, engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(big), default, T0 + 1));
        engine.Drain();

        Assert.Equal(["error:half_too_large", "error:half_too_large", "error:start_missing"], output.Results.Select(r => r.Kind));
        Assert.Equal(2, engine.Counters.HalvesTooLarge);
        Assert.Equal(0, engine.Counters.Matched);
    }

    [Fact]
    public void Forgetting_partitions_drops_their_halves_and_timers_silently_and_keeps_the_others()
    {
        Feed(Start("a", 1, T0), T0, new SourcePosition(1, 10));
        Feed(End("b", 1, T0), T0, new SourcePosition(2, 20));
        Feed(Start("c", 1, T0), T0, new SourcePosition(3, 30));
        Feed(End("c", 2, T0), T0, new SourcePosition(3, 31));   // matched: remembered outside the store

        Assert.Equal(1, _engine.ForgetPartitions(new HashSet<int> { 1, 3 }));
        Assert.Equal(1, _engine.State.Entries);
        Assert.Equal(1, _engine.PendingTimers);

        // Re-read after the partition comes back: a fresh start, not a duplicate of the forgotten one, and no stale
        // timer turns it into a running row early.
        Feed(Start("a", 1, T0 + (4 * Minute)), T0 + (4 * Minute), new SourcePosition(1, 10));
        _engine.AdvanceTime(T0 + (6 * Minute));
        Assert.Equal(["complete", "error:start_missing"], _output.Results.Select(r => r.Kind));
        _engine.AdvanceTime(T0 + (9 * Minute));
        Assert.Equal(["complete", "error:start_missing", "running"], _output.Results.Select(r => r.Kind));
        Assert.Equal(T0 + (4 * Minute), _output.Results[2].At);
    }

    [Fact]
    public void Each_row_comes_with_the_raw_halves_it_was_built_from()
    {
        var output = new HalvesOutput();
        var engine = new JoinEngine<HalvesOutput>(new InMemoryPendingStore(), new JoinOptions(), output);
        string[] halves = [End("h1", 2, T0 + 1_000), Start("h1", 1, T0), Start("h2", 1, T0)];
        engine.Process(CallSide.End, Encoding.UTF8.GetBytes(halves[0]), default, T0 + 1_000);
        engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(halves[1]), default, T0 + 2_000);
        engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(halves[2]), default, T0 + 3_000);
        engine.AdvanceTime(T0 + (10 * Minute));

        Assert.Equal([(halves[1], halves[0]), (halves[2], "")], output.Halves);
    }

    internal static string Start(string id, int v, long ms) =>
        new HalfEvent(CallSide.Start, "p", id, v, ms * 1000, ms, default).Json;

    internal static string End(string id, int v, long ms) =>
        new HalfEvent(CallSide.End, "p", id, v, ms * 1000, ms, default).Json;

    private JoinOutcome Feed(string json, long timestamp, SourcePosition position = default) =>
        _engine.Process(json.Contains("started_at", StringComparison.Ordinal) ? CallSide.Start : CallSide.End, Encoding.UTF8.GetBytes(json), position, timestamp);

    /// <summary>Keeps the raw halves each row names (valid only during the callback, so copied).</summary>
    private sealed class HalvesOutput : IJoinOutput
    {
        public List<(string Start, string End)> Halves { get; } = [];

        public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources) =>
            Halves.Add((Encoding.UTF8.GetString(sources.StartHalf), Encoding.UTF8.GetString(sources.EndHalf)));

        public void OnReleased(CallSide side, SourcePosition position)
        {
        }

        public void OnError(in JoinError error)
        {
        }
    }

    private sealed class ReasonOutput : IJoinOutput
    {
        public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources) => throw new InvalidOperationException("no row expected");

        public void OnReleased(CallSide side, SourcePosition position) => throw new InvalidOperationException("no release expected");

        public void OnError(in JoinError error)
        {
            Assert.NotEqual("ok", error.Reason);
            Assert.Equal(new SourcePosition(0, 9), error.Position);
        }
    }

    /// <summary>The in-memory store with a small value limit, like a FASTER store with small pages.</summary>
    internal sealed class SmallStore(int maxValueBytes) : IPendingStore
    {
        private readonly InMemoryPendingStore _inner = new();

        public PendingStoreStats Stats => _inner.Stats;

        public int MaxValueBytes => maxValueBytes;

        public PendingAction ReadModifyWrite<TMerge>(in CallKey key, ref TMerge merge)
            where TMerge : struct, IPendingMerge => _inner.ReadModifyWrite(key, ref merge);

        public bool TryRead(in CallKey key, IBufferWriter<byte> value) => _inner.TryRead(key, value);

        public long RemoveWhere<TFilter>(ref TFilter filter)
            where TFilter : struct, IPendingFilter => _inner.RemoveWhere(ref filter);

        public void Visit<TVisitor>(ref TVisitor visitor)
            where TVisitor : struct, IPendingVisitor => _inner.Visit(ref visitor);

        public void Dispose() => _inner.Dispose();
    }
}
