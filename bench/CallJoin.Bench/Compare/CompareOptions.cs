namespace CallJoin.Bench.Compare;

/// <summary>The sizes and bounds of one compare run: the full preset or the quick one CI runs.</summary>
internal sealed record CompareOptions
{
    /// <summary>The service build (<c>calljoin.dll</c>) the child processes run.</summary>
    public required string ServiceDll { get; init; }

    public bool Quick { get; init; }

    /// <summary>Calls of the small variant (compact halves, a few hundred bytes each): about two records per call.</summary>
    public int SmallCalls { get; init; } = 480_000;

    /// <summary>Calls of the default variant (the default workload, a few KB per record on average).</summary>
    public int DefaultCalls { get; init; } = 48_000;

    /// <summary>The Option 1 worker stops after this many ends…</summary>
    public int Option1MaxEnds { get; init; } = int.MaxValue;

    /// <summary>…or after this long, whichever comes first.</summary>
    public TimeSpan Option1MaxTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>call_parts rows per INSERT for the legacy path (the old server's batches).</summary>
    public int LegacyRowsPerInsert { get; init; } = 1_000;

    /// <summary>Timed runs of each read query, after one warm-up.</summary>
    public int ReadRuns { get; init; } = 20;

    /// <summary>Calls published in real time after the service drained the backlog, for publish-to-visible latency.</summary>
    public int TrickleCalls { get; init; } = 1_500;

    /// <summary>The record time (and wall time) those calls are spread over.</summary>
    public TimeSpan TrickleSpan { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest any one contender may take before it is stopped and reported incorrect.</summary>
    public TimeSpan ContenderBound { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Run only the contenders with these names (all when null); the others are left out of the report.</summary>
    public IReadOnlySet<string>? Only { get; init; }

    /// <summary>Run only these variants (<c>small</c>, <c>default</c>; all when null).</summary>
    public IReadOnlySet<string>? Variants { get; init; }

    /// <summary>Where compare.json, compare.md and compare.png go; null writes nothing.</summary>
    public string? ResultsDirectory { get; init; } = "bench/results";

    /// <summary>The results' file name without extension.</summary>
    public string ResultsName { get; init; } = "compare";

    /// <summary>Progress lines; null is silent.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>About 1M records (small) and 100k (default); about 20 minutes on 2 cores.</summary>
    public static CompareOptions FullRun(string serviceDll) => new() { ServiceDll = serviceDll };

    /// <summary>A few thousand records per variant; the whole run in well under 3 minutes.</summary>
    public static CompareOptions QuickRun(string serviceDll) => new()
    {
        ServiceDll = serviceDll,
        Quick = true,
        SmallCalls = 1_500,
        DefaultCalls = 500,
        Option1MaxEnds = 200,
        Option1MaxTime = TimeSpan.FromSeconds(10),
        ReadRuns = 5,
        TrickleCalls = 60,
        TrickleSpan = TimeSpan.FromSeconds(3),
        ContenderBound = TimeSpan.FromSeconds(90),
        ResultsName = "compare-quick",
    };
}
