using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Workload;
using CsCheck;

namespace CallJoin.Service.Tests.Workload;

/// <summary>The workload's expectation against what the real join engine writes from its events, after a drain.</summary>
public sealed class WorkloadJoinTests
{
    [Theory]
    [InlineData(1, 3_000)]
    [InlineData(2, 800)]
    [InlineData(3, 6_000)]
    [InlineData(4, 1)]
    [InlineData(5, 0)]
    public void The_join_writes_exactly_the_expected_rows_and_errors(int seed, int calls)
    {
        var workload = new WeaveWorkload(new WorkloadOptions { Seed = seed, Calls = calls });

        AssertJoinMatches(workload, new JoinOptions());
    }

    [Fact]
    public void The_join_writes_exactly_the_expected_rows_and_errors_when_every_anomaly_is_frequent()
    {
        var options = new WorkloadOptions
        {
            Seed = 11,
            Calls = 2_500,
            Projects = 3,
            Span = TimeSpan.FromMinutes(10),
            EndBeforeStart = 0.15,
            DuplicateHalf = 0.1,
            OrphanEnd = 0.05,
            NeverEnds = 0.05,
            LongRunning = 0.08,
            LateStart = 0.05,
            Malformed = 0.1,
        };
        var workload = new WeaveWorkload(options);

        var expected = workload.Expected;
        Assert.InRange(expected.LongRunningCalls, 100, 300);
        Assert.InRange(expected.LateStarts, 60, 200);
        Assert.InRange(expected.Malformed, 150, 350);
        AssertJoinMatches(workload, new JoinOptions());
    }

    [Fact]
    public void The_expectation_holds_for_generated_options_and_any_join_timeouts_the_workload_fits()
    {
        var gen =
            from seed in Gen.Int
            from calls in Gen.Int[0, 600]
            from projects in Gen.Int[1, 5]
            from spanSeconds in Gen.Int[0, 1_200]
            from fates in Gen.Double[0, 0.08].Array[5]
            from extras in Gen.Double[0, 0.2].Array[2]
            from maxCallSeconds in Gen.Int[1, 60]
            from timeoutExtra in Gen.Int[1, 60]
            from longExtra in Gen.Int[0, 60]
            select (
                new WorkloadOptions
                {
                    Seed = seed,
                    Calls = calls,
                    Projects = projects,
                    Span = TimeSpan.FromSeconds(spanSeconds),
                    EndBeforeStart = fates[0],
                    OrphanEnd = fates[1],
                    NeverEnds = fates[2],
                    LongRunning = fates[3],
                    LateStart = fates[4],
                    DuplicateHalf = extras[0],
                    Malformed = extras[1],
                    MediumPayloads = 0.05,
                    LargePayloads = 0,
                    MaxCallDuration = TimeSpan.FromSeconds(maxCallSeconds),
                    LongRunningAfter = TimeSpan.FromSeconds(maxCallSeconds + timeoutExtra + longExtra),
                },
                new JoinOptions
                {
                    StartTimeout = TimeSpan.FromSeconds(maxCallSeconds + timeoutExtra),
                    EndTimeout = TimeSpan.FromSeconds(maxCallSeconds + timeoutExtra),
                    CompletedRetention = TimeSpan.FromSeconds(maxCallSeconds + 1),
                    StartRetention = TimeSpan.FromHours(1),
                    EndRetention = TimeSpan.FromHours(1),
                });

        gen.Sample((options, join) =>
        {
            Assert.True(options.Fits(join));
            AssertJoinMatches(new WeaveWorkload(options), join);
        }, iter: 30);
    }

    [Fact]
    public void The_default_join_options_fit_the_default_workload_and_mismatched_timeouts_do_not()
    {
        var workload = new WorkloadOptions();

        Assert.True(workload.Fits(new JoinOptions()));
        Assert.False(workload.Fits(new JoinOptions { StartTimeout = TimeSpan.FromMinutes(1) }));      // normal calls would time out
        Assert.False(workload.Fits(new JoinOptions { EndTimeout = TimeSpan.FromMinutes(6) }));        // late starts would not
        Assert.False(workload.Fits(new JoinOptions { CompletedRetention = TimeSpan.Zero }));          // redeliveries would reopen calls
        Assert.False(workload.Fits(new JoinOptions { EndRetention = TimeSpan.FromMinutes(1) }));      // late starts would find nothing
    }

    [Fact]
    public void A_join_the_workload_does_not_fit_gives_something_else_than_expected()
    {
        // The check is not vacuous: timeouts below the calls' durations turn normal calls into running rows and start_missing.
        var workload = new WeaveWorkload(new WorkloadOptions { Seed = 3, Calls = 500 });
        var join = new JoinOptions { StartTimeout = TimeSpan.FromSeconds(1), EndTimeout = TimeSpan.FromSeconds(1) };

        var (_, counters) = JoinRecorder.Run(workload, join);

        Assert.False(workload.Options.Fits(join));
        Assert.NotEqual(workload.Expected.RunningRows, counters.RunningRows);
    }

    [Fact]
    public void A_workload_within_one_timeout_gives_the_expected_rows_and_errors_in_any_order()
    {
        var options = new WorkloadOptions
        {
            Seed = 21,
            Calls = 2_000,
            Span = TimeSpan.FromMinutes(2),
            MaxCallDuration = TimeSpan.FromMinutes(1),
            LongRunning = 0,
            LateStart = 0,
            OrphanEnd = 0.02,
            NeverEnds = 0.02,
            DuplicateHalf = 0.05,
            Malformed = 0.01,
        };
        var workload = new WeaveWorkload(options);
        var events = workload.Events().ToList();

        Assert.True(options.FitsAnyOrder(new JoinOptions()));
        Assert.False(new WorkloadOptions().FitsAnyOrder(new JoinOptions()));
        AssertJoinMatches(workload, new JoinOptions(), events.Where(e => e.Side == CallSide.End).Concat(events.Where(e => e.Side == CallSide.Start)));
        AssertJoinMatches(workload, new JoinOptions(), events.Where(e => e.Side == CallSide.Start).Concat(events.Where(e => e.Side == CallSide.End)));
        var random = new Random(5);
        AssertJoinMatches(workload, new JoinOptions(), events.OrderBy(_ => random.Next()));
    }

    [Fact]
    public void The_default_workload_read_one_topic_ahead_of_the_other_gives_more_timeouts_than_expected()
    {
        // Why FitsAnyOrder matters: the default mix spans more than a timeout, so reading all ends first times ends out.
        var workload = new WeaveWorkload(new WorkloadOptions { Seed = 22, Calls = 2_000 });
        var events = workload.Events().ToList();

        var (_, counters) = JoinRecorder.Run(events.Where(e => e.Side == CallSide.End).Concat(events.Where(e => e.Side == CallSide.Start)));

        Assert.True(counters.StartMissing > workload.Expected.StartMissingErrors);
        Assert.Equal(workload.Expected.CompleteRows, counters.Matched);   // the table still ends up right
    }

    private static void AssertJoinMatches(WeaveWorkload workload, JoinOptions join, IEnumerable<WorkloadEvent>? events = null)
    {
        var expected = workload.Expected;
        var (output, counters) = JoinRecorder.Run(events ?? workload.Events(), join);
        var final = output.Final();

        Assert.Equal(expected.CompleteRows, final.Count(r => r.Complete));
        Assert.Equal(expected.RunningOnlyRows, final.Count(r => !r.Complete));
        Assert.Equal(expected.CallsInTable, final.Count);
        Assert.Equal(expected.CallsInTable, final.Select(r => r.Key[..r.Key.LastIndexOf('/')]).Distinct().Count());   // one row per call id
        Assert.Equal(expected.CompleteRows + expected.RunningRows, output.Rows.Count);

        var errors = output.Errors.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        Assert.Equal(expected.ErrorsByReason.OrderBy(e => e.Key, StringComparer.Ordinal), errors.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(expected.ErrorRecords, output.Errors.Count);

        Assert.Equal(expected.Starts, counters.StartsConsumed);
        Assert.Equal(expected.Ends, counters.EndsConsumed);
        Assert.Equal(expected.Malformed, counters.Malformed);
        Assert.Equal(expected.DuplicateHalves, counters.Duplicates);
        Assert.Equal(expected.CompleteRows, counters.Matched);
        Assert.Equal(expected.RunningRows, counters.RunningRows);
        Assert.Equal(expected.StartMissingErrors, counters.StartMissing);
        Assert.Equal(expected.LateMatches, counters.LateMatched);
        Assert.Equal(0, counters.Conflicts + counters.KeyCollisions + counters.HalvesTooLarge + counters.RowsWithDumpsReplaced);
    }
}
