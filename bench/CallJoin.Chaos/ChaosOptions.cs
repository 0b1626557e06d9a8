using CallJoin.Workload;

namespace CallJoin.Chaos;

/// <summary>How big a chaos run is and which faults it applies; <see cref="FullRun"/> and <see cref="ShortRun"/> are the two presets.</summary>
/// <remarks>
/// The workload is published in real time: each message when the wall clock reaches its record timestamp (the epoch is
/// the run's start), so the services' stream time follows the wall clock as in production and the join's timeouts
/// (<see cref="JoinTimeout"/>) fire for calls that never end and ends without a start while the run goes on.
/// </remarks>
public sealed record ChaosOptions
{
    /// <summary>The preset's name in the report: <c>full</c> or <c>short</c>.</summary>
    public string Mode { get; init; } = "full";

    /// <summary>Calls in the workload.</summary>
    public int Calls { get; init; } = 200_000;

    public int Seed { get; init; } = 1;

    /// <summary>Partitions of each topic. Many, so that no partition nears the embedded broker's 5 MiB.</summary>
    /// <remarks>
    /// The full run's starts topic carries 201k compact messages, 175 MB with keys: 1.8 MB per partition of 96, about
    /// 2 MB with batch overhead — under 5 MiB even if nothing were consumed, so production needs no throttle. The run
    /// still checks every partition's low watermark afterwards and is invalid if any moved.
    /// </remarks>
    public int Partitions { get; init; } = 96;

    /// <summary>Record time (and so wall time) over which the calls start.</summary>
    public TimeSpan Span { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The workload's longest ordinary call and redelivery delay; below <see cref="JoinTimeout"/>.</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Long-running ends and late starts come this to twice this after their partner.</summary>
    public TimeSpan LongRunningAfter { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The services' start and end timeouts (at most <see cref="LongRunningAfter"/>).</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a timed-out half still waits for its partner: short, so that in group mode offsets are not held back for
    /// days, but well beyond any delay the faults cause (a half arriving later than this cannot join any more).
    /// </summary>
    public TimeSpan JoinRetention { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Service instances always running (consumer group members).</summary>
    public int Instances { get; init; } = 2;

    /// <summary>Times a further instance joins the group and later leaves it gracefully (two rebalances each).</summary>
    public int JoinLeaveCycles { get; init; } = 2;

    /// <summary>kill -9 of a running instance (which is started again at once).</summary>
    public int Kills { get; init; } = 20;

    /// <summary>Rounds of injected request errors (Heartbeat, OffsetFetch, Fetch, OffsetCommit, FindCoordinator).</summary>
    public int BrokerErrorRounds { get; init; } = 10;

    /// <summary>Times one broker goes down and comes back up.</summary>
    public int BrokerOutages { get; init; } = 2;

    /// <summary>How long a broker stays down.</summary>
    public TimeSpan BrokerOutage { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long ClickHouse's listener is suspended (once).</summary>
    public TimeSpan ClickHouseOutage { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest any single wait may take before the run fails with a message saying what did not happen.</summary>
    public TimeSpan WaitBound { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Where the Markdown and JSON reports go; none when null.</summary>
    public string? ResultsDirectory { get; init; }

    /// <summary>The reports' file name without extension (<c>chaos</c>: chaos.md and chaos.json).</summary>
    public string ResultsName { get; init; } = "chaos";

    /// <summary>The built <c>calljoin.dll</c> started as <c>dotnet calljoin.dll run</c>.</summary>
    public required string ServiceDll { get; init; }

    /// <summary>Progress lines (console); none when null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The ≥200k-call run with every fault at full strength (about 20 minutes).</summary>
    public static ChaosOptions FullRun(string serviceDll) => new() { ServiceDll = serviceDll };

    /// <summary>The CI variant: 3,000 calls over 30 s, 3 kills, one broker down, a few seconds of ClickHouse outage, one join and leave.</summary>
    public static ChaosOptions ShortRun(string serviceDll) => new()
    {
        ServiceDll = serviceDll,
        Mode = "short",
        Calls = 3_000,
        Partitions = 12,
        Span = TimeSpan.FromSeconds(30),
        MaxCallDuration = TimeSpan.FromSeconds(2),
        LongRunningAfter = TimeSpan.FromSeconds(8),
        JoinTimeout = TimeSpan.FromSeconds(6),
        JoinRetention = TimeSpan.FromSeconds(60),
        JoinLeaveCycles = 1,
        Kills = 3,
        BrokerErrorRounds = 2,
        BrokerOutages = 1,
        BrokerOutage = TimeSpan.FromSeconds(3),
        ClickHouseOutage = TimeSpan.FromSeconds(4),
        WaitBound = TimeSpan.FromSeconds(90),
    };

    /// <summary>The workload: compact halves (a few hundred bytes), no medium or large payloads, every awkward fate.</summary>
    public WorkloadOptions Workload(DateTimeOffset epoch) => new()
    {
        Calls = Calls,
        Seed = Seed,
        Epoch = epoch,
        Span = Span,
        MaxCallDuration = MaxCallDuration,
        LongRunningAfter = LongRunningAfter,
        CompactHalves = true,
        MediumPayloads = 0,
        LargePayloads = 0,
        MaxPayloadBytes = 64 * 1024,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when the options cannot give a valid run.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Calls, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(Instances, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(Kills);
        ArgumentOutOfRangeException.ThrowIfNegative(JoinLeaveCycles);
        ArgumentOutOfRangeException.ThrowIfNegative(BrokerErrorRounds);
        ArgumentOutOfRangeException.ThrowIfNegative(BrokerOutages);
        if (!(JoinTimeout > MaxCallDuration && JoinTimeout <= LongRunningAfter && JoinTimeout + JoinRetention > 2 * LongRunningAfter))
        {
            throw new ArgumentOutOfRangeException(nameof(JoinTimeout),
                "the join timeout must exceed MaxCallDuration and be at most LongRunningAfter, and timeout + retention must exceed twice LongRunningAfter");
        }

        Workload(WorkloadOptions.DefaultEpoch).Validate();
    }
}
