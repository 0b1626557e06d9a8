using CallJoin.Core.Join;

namespace CallJoin.Chaos.Tests;

/// <summary>
/// The chaos harness's short run: three kill -9, a broker down, broker request errors, ClickHouse suspended and a member
/// joining and leaving, while a workload is published. Nothing is lost or shown twice, and every bad message has its record.
/// </summary>
/// <remarks>
/// No assertion on durations or rates: every fault waits for rows to land before it and for the group to settle after
/// it, and every wait is bounded and fails with what did not happen (<see cref="ChaosException"/>).
/// </remarks>
public sealed class ChaosShortRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Under_kills_broker_faults_a_clickhouse_outage_and_rebalances_no_call_is_lost_or_doubled()
    {
        var options = ChaosOptions.ShortRun(Path.Combine(AppContext.BaseDirectory, "calljoin.dll")) with { Log = output.WriteLine };

        var report = await ChaosRun.RunAsync(options, TestContext.Current.CancellationToken);
        output.WriteLine(report.ToMarkdown());

        Assert.True(report.Invalid is null, $"invalid run: {report.Invalid}");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.EndsLost);
        Assert.Equal(0, report.FinalDuplicates);
        Assert.Equal(0, report.Unexpected);
        Assert.Equal(report.ExpectedRows, report.FinalRows);
        Assert.Equal(report.ExpectedRunningRows, report.RunningRows);
        Assert.All(report.Errors.Where(e => e.Reason != JoinErrorReason.StartMissing), e => Assert.True(e.Actual == e.ExpectedMin,
            $"{e.Reason}: {e.Actual} error records, expected exactly {e.ExpectedMin}"));
        var startMissing = Assert.Single(report.Errors, e => e.Reason == JoinErrorReason.StartMissing);
        Assert.True(startMissing.Actual >= startMissing.ExpectedMin, $"start_missing: {startMissing.Actual}, expected at least {startMissing.ExpectedMin}");

        // Every planned fault was applied.
        Assert.Equal(options.Kills, report.Faults.Kills);
        Assert.Equal(options.BrokerOutages, report.Faults.BrokerOutages);
        Assert.Equal(options.BrokerErrorRounds, report.Faults.BrokerErrorRounds);
        Assert.Equal(options.JoinLeaveCycles, report.Faults.Joins);
        Assert.Equal(options.JoinLeaveCycles, report.Faults.Leaves);
        Assert.True(report.Faults.ClickHouseOutageSeconds >= options.ClickHouseOutage.TotalSeconds);
        Assert.True(report.Notes.Count == 0, "the run noted: " + string.Join("; ", report.Notes));
    }
}
