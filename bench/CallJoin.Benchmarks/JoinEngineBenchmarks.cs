using System.Text;
using BenchmarkDotNet.Attributes;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.State;

namespace CallJoin.Benchmarks;

/// <summary>
/// The join path per event in steady state: parse the key, one read-modify-write, build the row on a match, expire
/// tombstones. Each call's end arrives 64 calls after its start; stream time moves 60 ms per event, so ids reused
/// from the payload pool come back after their tombstones expired (new calls, as in production).
/// </summary>
[MemoryDiagnoser]
public class JoinEngineBenchmarks
{
    private const int Pool = 32_768;
    private const int CallsPerInvoke = 1_024;
    private const int Lag = 64;

    private byte[][] _starts = null!;
    private byte[][] _ends = null!;
    private string _directory = "";
    private IPendingStore _store = null!;
    private JoinEngine<CountingOutput> _engine = null!;
    private long _next;
    private long _time = 1_767_225_600_000;

    /// <summary>Approximate size of each half's JSON.</summary>
    [Params(300, 5_000)]
    public int HalfBytes { get; set; }

    [Params("faster", "dictionary")]
    public string Store { get; set; } = "faster";

    [GlobalSetup]
    public void Setup()
    {
        _starts = new byte[Pool][];
        _ends = new byte[Pool][];
        for (var i = 0; i < Pool; i++)
        {
            var id = Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(i)).ToString();
            var start = """{"project_id":"entity/project","id":"ID","op_name":"weave:///entity/project/op/predict:v1","trace_id":"ID","started_at":"2026-01-01T00:00:00.123456Z","attributes":{"weave":{"client_version":"0.51"}},"inputs":{"prompt":"PAD"}}""";
            var end = """{"project_id":"entity/project","id":"ID","ended_at":"2026-01-01T00:00:01.654321Z","output":{"text":"PAD"},"summary":{"usage":{"gpt-4o":{"requests":1}}}}""";
            _starts[i] = Pad(start.Replace("ID", id, StringComparison.Ordinal));
            _ends[i] = Pad(end.Replace("ID", id, StringComparison.Ordinal));
        }

        _directory = Path.Combine(Path.GetTempPath(), "calljoin-bench-join-" + Guid.NewGuid().ToString("N"));
        _store = Store == "faster"
            ? new FasterPendingStore(new PendingStoreOptions { Directory = _directory, MemoryBudgetBytes = 256L * 1024 * 1024, DeleteOnDispose = true })
            : new InMemoryPendingStore();
        _engine = new JoinEngine<CountingOutput>(_store, new JoinOptions(), new CountingOutput());

        // Fill the pipeline so every measured call finds its lagging partner pattern in place.
        for (var i = 0; i < 4 * Pool; i++)
        {
            Step();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Per event (a start or an end).</summary>
    [Benchmark(OperationsPerInvoke = 2 * CallsPerInvoke)]
    public long Process()
    {
        for (var i = 0; i < CallsPerInvoke; i++)
        {
            Step();
        }

        return _engine.Counters.Matched;
    }

    private void Step()
    {
        var call = _next++;
        _engine.Process(CallSide.Start, _starts[call % Pool], new SourcePosition(0, call), _time += 60);
        if (call >= Lag)
        {
            _engine.Process(CallSide.End, _ends[(call - Lag) % Pool], new SourcePosition(0, call - Lag), _time += 60);
        }
    }

    private byte[] Pad(string json)
    {
        var pad = Math.Max(1, HalfBytes - json.Length + 3);
        return Encoding.UTF8.GetBytes(json.Replace("PAD", new string('x', pad), StringComparison.Ordinal));
    }

    private sealed class CountingOutput : IJoinOutput
    {
        public long Rows { get; private set; }

        public long Errors { get; private set; }

        public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources) => Rows += row.InputsDump.Length > 0 ? 1 : 0;

        public void OnReleased(CallSide side, SourcePosition position)
        {
        }

        public void OnError(in JoinError error) => Errors++;
    }
}
