using BenchmarkDotNet.Attributes;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Replay.Jsonl;

namespace CallJoin.Benchmarks;

/// <summary>
/// Replay's JSONL output per joined call: one calls_complete row line, one error record line and a released half.
/// Expected: 0 B allocated.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.ZeroAllocation)]
public class JsonlOutputBenchmarks
{
    private readonly CallRowData _row = new();
    private byte[] _start = [];
    private JsonlJoinOutput _output = null!;
    private long _version;

    [GlobalSetup]
    public void GlobalSetup()
    {
        (_start, var end) = HalfParsingBenchmarks.SmallPair();
        if (new CallRowBuilder().Build(_start, end, _row) != HalfParseStatus.Ok)
        {
            throw new InvalidOperationException("benchmark payloads do not parse");
        }

        _output = new JsonlJoinOutput(Stream.Null, "weave.call_started", "weave.call_ended");
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _output.Dispose();

    [Benchmark]
    public void WriteRowErrorAndRelease()
    {
        var version = ++_version;
        _output.OnRow(_row, version, default);
        _output.OnError(new JoinError(JoinErrorReason.StartMissing, CallSide.End, new SourcePosition(0, version), version, version,
            "UHJvamVjdDoxMjM0NQ=="u8, "0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f"u8, _start));
        _output.OnReleased(CallSide.End, default);
    }
}
