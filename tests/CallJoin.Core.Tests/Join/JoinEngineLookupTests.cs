using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using static CallJoin.Core.Tests.Join.JoinEngineTests;

namespace CallJoin.Core.Tests.Join;

/// <summary>
/// Late partners found by lookup: a half leaves the state at its timeout with the outcome that what is already written
/// for its call gives, the one the in-state join would have given, and is released exactly once.
/// </summary>
public sealed class JoinEngineLookupTests : IDisposable
{
    private const long T0 = 1_767_225_600_000;
    private const long Minute = 60_000;
    private static readonly JoinOptions Options = new() { LatePartners = LatePartnerSource.Lookup };
    private readonly RecordingOutput _output = new();
    private readonly Requests _requests = new();
    private readonly InMemoryPendingStore _store = new();
    private readonly JoinEngine<RecordingOutput> _engine;

    public JoinEngineLookupTests() => _engine = new JoinEngine<RecordingOutput>(_store, Options, _output, _requests);

    public void Dispose() => _store.Dispose();

    [Fact]
    public void A_timed_out_start_is_looked_up_and_with_nothing_written_becomes_a_running_row_that_releases_it()
    {
        Feed(Start("c1", 1, T0), T0, new SourcePosition(3, 30));
        _engine.AdvanceTime(T0 + (5 * Minute));

        Assert.Equal([(CallSide.Start, "p", "c1")], _requests.Made);
        Assert.Empty(_output.Results);                       // nothing written, nothing released while it is looked up
        Assert.Empty(_output.Released);
        Assert.Equal(1, _engine.State.Entries);

        Assert.True(Answer(CallSide.Start, "c1"));
        var running = Assert.Single(_output.Results);
        Assert.Equal(("running", T0), (running.Kind, running.At));
        Assert.Equal([(CallSide.Start, new SourcePosition(3, 30))], _output.Released);
        Assert.Equal(0, _engine.State.Entries);              // the start leaves the state with its running row
        Assert.Equal(0, _engine.PendingTimers);
    }

    [Fact]
    public void A_late_start_completes_from_its_orphan_ends_record_with_the_row_the_in_state_join_writes()
    {
        var end = End("c2", 2, T0 + 1_000);
        Feed(Start("c2", 1, T0), T0 + (10 * Minute), new SourcePosition(1, 5));
        _engine.AdvanceTime(T0 + (15 * Minute));
        Assert.True(Answer(CallSide.Start, "c2", startMissingEnd: end));

        var inState = new RecordingOutput();
        var reference = new JoinEngine<RecordingOutput>(new InMemoryPendingStore(), new JoinOptions(), inState);
        reference.Process(CallSide.End, Encoding.UTF8.GetBytes(end), default, T0 + 1_000);
        reference.Process(CallSide.Start, Encoding.UTF8.GetBytes(Start("c2", 1, T0)), default, T0 + 2_000);

        Assert.Equal(inState.Results, _output.Results);
        Assert.Equal([(CallSide.Start, new SourcePosition(1, 5))], _output.Released);   // the end is not ours to release
        Assert.Equal(1, _engine.Counters.LateMatched);
    }

    [Fact]
    public void A_start_whose_call_already_has_a_row_is_a_duplicate()
    {
        Feed(Start("c3", 1, T0), T0, new SourcePosition(0, 9));
        _engine.AdvanceTime(T0 + (5 * Minute));
        Assert.True(Answer(CallSide.Start, "c3", callComplete: true));

        Assert.Empty(_output.Results);
        Assert.Equal([(CallSide.Start, new SourcePosition(0, 9))], _output.Released);
        Assert.Equal(1, _engine.Counters.Duplicates);
        Assert.Equal(0, _engine.State.Entries);
    }

    [Fact]
    public void A_timed_out_end_with_nothing_written_becomes_start_missing_and_releases_itself()
    {
        Feed(End("c4", 2, T0), T0, new SourcePosition(2, 20));
        _engine.AdvanceTime(T0 + (5 * Minute));
        Assert.Equal([(CallSide.End, "p", "c4")], _requests.Made);
        Assert.True(Answer(CallSide.End, "c4"));

        Assert.Equal("error:start_missing", Assert.Single(_output.Results).Kind);
        Assert.Equal([(CallSide.End, new SourcePosition(2, 20))], _output.Released);
        Assert.Equal(0, _engine.State.Entries);
    }

    [Fact]
    public void An_end_whose_call_is_complete_is_a_duplicate()
    {
        Feed(End("c5", 2, T0), T0, new SourcePosition(2, 21));
        _engine.AdvanceTime(T0 + (5 * Minute));
        Assert.True(Answer(CallSide.End, "c5", callComplete: true));

        Assert.Empty(_output.Results);
        Assert.Equal([(CallSide.End, new SourcePosition(2, 21))], _output.Released);
        Assert.Equal(1, _engine.Counters.Duplicates);
    }

    [Fact]
    public void A_late_end_completes_from_the_starts_running_row_with_the_row_the_in_state_join_writes()
    {
        var start = Start("c6", 1, T0);
        var end = End("c6", 3, T0 + (30 * Minute));
        var running = new CallRowData();
        Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(Encoding.UTF8.GetBytes(start), default, running));

        Feed(end, T0 + (30 * Minute), new SourcePosition(7, 70));
        _engine.AdvanceTime(T0 + (35 * Minute));
        Assert.True(Answer(CallSide.End, "c6", runningRow: running));

        var inState = new RecordingOutput();
        var reference = new JoinEngine<RecordingOutput>(new InMemoryPendingStore(), new JoinOptions(), inState);
        reference.Process(CallSide.Start, Encoding.UTF8.GetBytes(start), default, T0);
        reference.Process(CallSide.End, Encoding.UTF8.GetBytes(end), default, T0 + (30 * Minute));

        Assert.Equal(inState.Results.Where(r => r.Kind == "complete"), _output.Results);
        Assert.Equal([(CallSide.End, new SourcePosition(7, 70))], _output.Released);
        Assert.Equal(1, _engine.Counters.LateMatched);

        // A redelivered start of the call is recognised, though it was never at hand here.
        Assert.Equal(JoinOutcome.Duplicate, Feed(start, T0 + (36 * Minute), new SourcePosition(7, 71)));
    }

    [Fact]
    public void A_partner_arriving_during_the_lookup_joins_in_state_and_the_answer_is_ignored()
    {
        Feed(Start("c7", 1, T0), T0, new SourcePosition(1, 1));
        _engine.AdvanceTime(T0 + (5 * Minute));
        Assert.Equal(JoinOutcome.Matched, Feed(End("c7", 2, T0 + (5 * Minute)), T0 + (5 * Minute), new SourcePosition(1, 2)));

        Assert.False(Answer(CallSide.Start, "c7"));
        Assert.Equal("complete", Assert.Single(_output.Results).Kind);
        Assert.Equal(2, _output.Released.Count);
    }

    [Fact]
    public void Halves_redelivered_after_a_match_are_duplicates_or_conflicts_without_touching_the_store()
    {
        Feed(Start("c8", 1, T0), T0);
        Feed(End("c8", 2, T0 + 1_000), T0 + 1_000);
        Assert.Equal(0, _engine.State.Entries);
        Assert.Equal(1, _engine.Matched.Count);

        Assert.Equal(JoinOutcome.Duplicate, Feed(End("c8", 2, T0 + 1_000), T0 + 2_000));
        Assert.Equal(JoinOutcome.Conflict, Feed(End("c8", 9, T0 + 1_000), T0 + 3_000));
        Assert.Equal(0, _engine.State.Entries);
    }

    [Fact]
    public void A_restored_store_asks_again_the_lookups_under_way_and_reports_every_unreleased_half()
    {
        Feed(Start("c9", 1, T0), T0, new SourcePosition(4, 40));
        Feed(End("c10", 2, T0 + (4 * Minute)), T0 + (4 * Minute), new SourcePosition(5, 50));
        _engine.AdvanceTime(T0 + (5 * Minute));          // c9 is being looked up, c10 still waits

        var requests = new Requests();
        var restored = new JoinEngine<RecordingOutput>(_store, Options, new RecordingOutput(), requests);
        List<(CallSide, SourcePosition)> unreleased = [];
        Assert.Equal(1, restored.RestoreTimers(T0 + (5 * Minute), p => p == 4, unreleased));

        Assert.Equal([(CallSide.Start, "p", "c9")], requests.Made);
        Assert.Equal([(CallSide.Start, new SourcePosition(4, 40))], unreleased);
        Assert.Equal(1, _store.Stats.Entries);            // partition 5 is not ours: its half is dropped
    }

    [Fact]
    public void An_end_whose_started_at_is_past_both_timeouts_is_looked_up_after_a_short_wait_and_completes_from_the_running_row()
    {
        var start = Start("c11", 1, T0);
        var end = WithStartedAt(End("c11", 2, T0 + (40 * Minute)), "2026-01-01T00:00:00Z");   // T0
        var running = new CallRowData();
        Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(Encoding.UTF8.GetBytes(start), default, running));

        Assert.Equal(JoinOutcome.Stored, FeedEnd(end, T0 + (40 * Minute), new SourcePosition(6, 60)));
        Assert.Empty(_requests.Made);
        _engine.AdvanceTime(T0 + (40 * Minute) + 10_000);                 // 10 s, not the end timeout's 5 minutes
        Assert.Equal([(CallSide.End, "p", "c11")], _requests.Made);
        Assert.Equal(1, _engine.Counters.EarlyLookups);
        Assert.True(Answer(CallSide.End, "c11", runningRow: running));

        var inState = new RecordingOutput();
        var reference = new JoinEngine<RecordingOutput>(new InMemoryPendingStore(), new JoinOptions(), inState);
        reference.Process(CallSide.Start, Encoding.UTF8.GetBytes(start), default, T0);
        reference.Process(CallSide.End, Encoding.UTF8.GetBytes(end), default, T0 + (40 * Minute));
        Assert.Equal(inState.Results.Where(r => r.Kind == "complete"), _output.Results);
        Assert.Equal([(CallSide.End, new SourcePosition(6, 60))], _output.Released);
    }

    [Fact]
    public void An_end_whose_started_at_is_recent_or_absent_or_unreadable_waits_its_timeout_before_a_lookup()
    {
        FeedEnd(WithStartedAt(End("c12", 2, T0), "2025-12-31T23:55:00Z"), T0);    // 5 minutes old: within the window
        FeedEnd(End("c13", 2, T0), T0);
        FeedEnd(WithStartedAt(End("c14", 2, T0), "yesterday"), T0);

        _engine.AdvanceTime(T0 + 10_000);
        Assert.Empty(_requests.Made);
        Assert.Equal(3, _engine.PendingTimers);
        Assert.Empty(_output.Results);                                     // a bad hint refuses nothing
        _engine.AdvanceTime(T0 + (5 * Minute));
        Assert.Equal(3, _requests.Made.Count);
        Assert.Equal(0, _engine.Counters.EarlyLookups);
    }

    [Fact]
    public void An_end_with_an_old_started_at_still_joins_its_start_waiting_in_state()
    {
        // A client clock hours behind: its start waits in state, so the end matches it and nothing is looked up.
        Feed(Start("c15", 1, T0 - (180 * Minute)), T0);
        Assert.Equal(JoinOutcome.Matched, FeedEnd(WithStartedAt(End("c15", 2, T0 - (179 * Minute)), "2025-12-31T21:00:00Z"), T0 + 1_000));
        Assert.Empty(_requests.Made);
        Assert.Equal("complete", Assert.Single(_output.Results).Kind);
    }

    [Fact]
    public void A_whole_call_uploaded_late_joins_in_state_when_its_start_comes_within_the_short_wait()
    {
        var end = WithStartedAt(End("c17", 2, T0 + (30 * Minute)), "2026-01-01T00:00:00Z");
        FeedEnd(end, T0 + (60 * Minute));
        Assert.Equal(JoinOutcome.Matched, Feed(Start("c17", 1, T0), T0 + (60 * Minute) + 1_000));
        _engine.AdvanceTime(T0 + (70 * Minute));

        Assert.Empty(_requests.Made);
        Assert.Equal("complete", Assert.Single(_output.Results).Kind);
    }

    [Fact]
    public void An_early_looked_up_end_meeting_a_start_still_unread_leaves_its_row_to_the_starts_lookup()
    {
        // A start delivered far later than its started_at: the end's record is start_missing, and the start's own lookup
        // then finds that record and writes the complete row, as the in-state join would.
        var end = WithStartedAt(End("c16", 2, T0 + (30 * Minute)), "2026-01-01T00:00:00Z");
        FeedEnd(end, T0 + (30 * Minute), new SourcePosition(2, 1));
        _engine.AdvanceTime(T0 + (30 * Minute) + 10_000);
        Assert.True(Answer(CallSide.End, "c16"));
        Assert.Equal("error:start_missing", Assert.Single(_output.Results).Kind);

        Feed(Start("c16", 1, T0), T0 + (31 * Minute), new SourcePosition(2, 2));
        _engine.AdvanceTime(T0 + (36 * Minute));
        Assert.Equal(CallSide.Start, _requests.Made[^1].Side);
        Assert.True(Answer(CallSide.Start, "c16", startMissingEnd: end));
        Assert.Equal("complete", _output.Results[^1].Kind);
        Assert.Equal(2, _output.Released.Count);
    }

    [Fact]
    public void After_a_restore_a_timer_outliving_its_record_fires_nothing_and_a_new_half_of_the_call_waits_its_own_timeout()
    {
        var options = Options with { CompletedRetention = TimeSpan.Zero };   // nothing remembered: the call can start again
        var engine = new JoinEngine<RecordingOutput>(_store, options, new RecordingOutput(), _requests);
        engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(Start("r1", 1, T0)), new SourcePosition(1, 1), T0);

        var output = new RecordingOutput();
        var restored = new JoinEngine<RecordingOutput>(_store, options, output, _requests);
        Assert.Equal(1, restored.RestoreTimers(T0));
        Assert.Equal(JoinOutcome.Matched, restored.Process(CallSide.End, Encoding.UTF8.GetBytes(End("r1", 2, T0 + Minute)), new SourcePosition(1, 2), T0 + Minute));
        Assert.Equal(JoinOutcome.Stored, restored.Process(CallSide.Start, Encoding.UTF8.GetBytes(Start("r1", 3, T0 + (2 * Minute))), new SourcePosition(1, 3), T0 + (2 * Minute)));

        restored.AdvanceTime(T0 + (5 * Minute));                 // the restored start's deadline: its timer is stale
        Assert.Empty(_requests.Made);
        Assert.Equal(1, restored.State.Entries);
        restored.AdvanceTime(T0 + (7 * Minute));                 // the new start's own deadline
        Assert.Equal([(CallSide.Start, "p", "r1")], _requests.Made);
        Assert.Equal("complete", Assert.Single(output.Results).Kind);
    }

    private static string WithStartedAt(string endJson, string startedAt) =>
        string.Concat("{\"started_at\":\"", startedAt, "\",", endJson.AsSpan(1));

    private JoinOutcome FeedEnd(string json, long timestamp, SourcePosition position = default) =>
        _engine.Process(CallSide.End, Encoding.UTF8.GetBytes(json), position, timestamp);

    private JoinOutcome Feed(string json, long timestamp, SourcePosition position = default) =>
        _engine.Process(json.Contains("started_at", StringComparison.Ordinal) ? CallSide.Start : CallSide.End, Encoding.UTF8.GetBytes(json), position, timestamp);

    private bool Answer(CallSide side, string id, bool callComplete = false, CallRowData? runningRow = null, string? startMissingEnd = null) =>
        _engine.Resolve(new LatePartner
        {
            Side = side,
            ProjectId = "p"u8,
            Id = Encoding.UTF8.GetBytes(id),
            CallComplete = callComplete,
            RunningRow = runningRow,
            StartMissingEnd = startMissingEnd is null ? default : Encoding.UTF8.GetBytes(startMissingEnd),
        });

    private sealed class Requests : ILatePartnerLookup
    {
        public List<(CallSide Side, string ProjectId, string Id)> Made { get; } = [];

        public void Request(CallSide side, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id) =>
            Made.Add((side, Encoding.UTF8.GetString(projectId), Encoding.UTF8.GetString(id)));
    }
}
