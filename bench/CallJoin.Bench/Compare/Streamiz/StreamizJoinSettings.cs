using CallJoin.Core;
using CallJoin.Core.Join;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>What the Streamiz contender joins and how: its topics, its join window and its state stores.</summary>
public sealed record StreamizJoinSettings
{
    private static readonly JoinOptions s_joinDefaults = new();

    /// <summary>Streamiz's application.id: the consumer group and the prefix of its changelog topics.</summary>
    public string ApplicationId { get; init; } = "calljoin-streamiz";

    /// <summary>The call starts topic, keyed by call id.</summary>
    public string StartTopic { get; init; } = WeaveTopics.CallStarted;

    /// <summary>The call ends topic, keyed by call id.</summary>
    public string EndTopic { get; init; } = WeaveTopics.CallEnded;

    /// <summary>Where the joined rows (RowBinary, keyed by call id) are produced in the broker run.</summary>
    public string RowTopic { get; init; } = "calljoin.streamiz_rows";

    /// <summary>
    /// How far apart a start and its end may be, either way, in record time; the default is our join's start timeout,
    /// the time a half waits for its partner before it gives up (a running row or <c>start_missing</c>).
    /// </summary>
    public TimeSpan Window { get; init; } = s_joinDefaults.StartTimeout;

    /// <summary>How long after a window closes a record out of order is still joined; the window stores keep window plus this.</summary>
    public TimeSpan Grace { get; init; } = s_joinDefaults.StartTimeout;

    /// <summary>RocksDB window stores (Streamiz's default, on disk under <see cref="StateDirectory"/>) rather than in-memory ones.</summary>
    public bool PersistentStores { get; init; } = true;

    /// <summary>Where Streamiz keeps its RocksDB stores; null uses a fresh temporary folder, deleted after the run.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>The row builder's dump limit, as our join's.</summary>
    public int MaxDumpBytes { get; init; } = s_joinDefaults.MaxDumpBytes;
}
