using System.Text;
using BenchmarkDotNet.Attributes;
using CallJoin.Core.Halves;

namespace CallJoin.Benchmarks;

/// <summary>
/// The per-message parsing work of the join: reading a half's key on ingest, and building the calls_complete row
/// (Python-exact dumps, refs, oversize check) when the halves meet. Two message sizes: a ~300-byte pair (a small
/// op) and a ~5 KB pair (an LLM call with chat messages).
/// </summary>
[MemoryDiagnoser]
public class HalfParsingBenchmarks
{
    private readonly HalfKey _key = new();
    private readonly CallRowBuilder _builder = new();
    private readonly CallRowData _row = new();
    private byte[] _start = [];
    private byte[] _end = [];

    [Params("300B", "5KB")]
    public string Size { get; set; } = "300B";

    [GlobalSetup]
    public void Setup()
    {
        (_start, _end) = Size == "300B" ? SmallPair() : LargePair();
        if (HalfParser.TryReadKey(_start, CallSide.Start, _key) != HalfParseStatus.Ok
            || HalfParser.TryReadKey(_end, CallSide.End, _key) != HalfParseStatus.Ok
            || _builder.Build(_start, _end, _row) != HalfParseStatus.Ok)
        {
            throw new InvalidOperationException("benchmark payloads do not parse");
        }

        Console.WriteLine($"// {Size}: start {_start.Length} B, end {_end.Length} B");
    }

    [Benchmark]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public HalfParseStatus ReadStartKey() => HalfParser.TryReadKey(_start, CallSide.Start, _key);

    [Benchmark]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public HalfParseStatus ReadEndKey() => HalfParser.TryReadKey(_end, CallSide.End, _key);

    [Benchmark]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public HalfParseStatus BuildCompleteRow() => _builder.Build(_start, _end, _row);

    [Benchmark]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public HalfParseStatus BuildRunningRow() => _builder.Build(_start, default, _row);

    internal static (byte[] Start, byte[] End) SmallPair() => (
        Encoding.UTF8.GetBytes("""{"project_id":"UHJvamVjdDoxMjM0NQ==","id":"0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f","op_name":"weave-trace-internal:///UHJvamVjdDoxMjM0NQ==/op/add:abc123","trace_id":"0197c3a2-0000-7000-8000-000000000001","parent_id":"0197c3a2-0000-7000-8000-000000000002","started_at":"2025-06-01T12:00:00.250123Z","attributes":{"weave":{"client_version":"0.51.0"}},"inputs":{"a":2,"b":3.5}}"""),
        Encoding.UTF8.GetBytes("""{"project_id":"UHJvamVjdDoxMjM0NQ==","id":"0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f","ended_at":"2025-06-01T12:00:00.251999Z","exception":null,"output":5.5,"summary":{"weave":{"status":"success","latency_ms":2}},"started_at":"2025-06-01T12:00:00.250123Z"}"""));

    private static (byte[] Start, byte[] End) LargePair()
    {
        var messages = new StringBuilder();
        for (int i = 0; i < 12; i++)
        {
            messages.Append(i == 0 ? "" : ",").Append("{\"role\":\"").Append(i % 2 == 0 ? "user" : "assistant")
                .Append("\",\"content\":\"Turn ").Append(i)
                .Append(": summarise the quarterly figures \u2014 revenue up 4.2%, costs \\\"flat\\\", caf\u00e9 sales\\nsee table r\u00e9sum\u00e9 \\ud83d\\ude80 and follow up.\"}");
        }

        var start = """{"project_id":"UHJvamVjdDoxMjM0NQ==","id":"0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f","op_name":"weave-trace-internal:///UHJvamVjdDoxMjM0NQ==/op/openai.chat.completions.create:Xy9","display_name":"chat","trace_id":"0197c3a2-0000-7000-8000-000000000001","parent_id":"0197c3a2-0000-7000-8000-000000000002","thread_id":"thread-42","started_at":"2025-06-01T12:00:00.250123Z","attributes":{"weave":{"client_version":"0.51.0","source":"python-sdk","os_name":"Linux","sys_version":"3.12.3"},"kind":"llm"},"inputs":{"self":"weave-trace-internal:///UHJvamVjdDoxMjM0NQ==/object/ChatModel:v7","model":"gpt-4o-2024-08-06","temperature":0.7,"top_p":1.0,"max_tokens":1024,"messages":[MESSAGES],"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}]},"wb_user_id":"VXNlcjo0Mg==","wb_run_id":"run-abc","wb_run_step":17}""".Replace("MESSAGES", messages.ToString(), StringComparison.Ordinal);
        var answer = new StringBuilder();
        for (int i = 0; i < 30; i++)
        {
            answer.Append("Revenue rose 4.2% quarter on quarter; costs were flat (\\u00b10.3%). ");
        }

        var end = """{"project_id":"UHJvamVjdDoxMjM0NQ==","id":"0197c3a2-5b7e-7d3e-9f00-1a2b3c4d5e6f","ended_at":"2025-06-01T12:00:03.901774Z","exception":null,"output":{"id":"chatcmpl-9x","object":"chat.completion","created":1748779203,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"ANSWER","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":812,"completion_tokens":604,"total_tokens":1416,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"system_fingerprint":"fp_50cad350e4","dataset":"weave-trace-internal:///UHJvamVjdDoxMjM0NQ==/object/Eval:v2"},"summary":{"usage":{"gpt-4o-2024-08-06":{"requests":1,"prompt_tokens":812,"completion_tokens":604,"total_tokens":1416}},"weave":{"status":"success","latency_ms":3651}},"wb_run_step_end":18,"started_at":"2025-06-01T12:00:00.250123Z"}""".Replace("ANSWER", answer.ToString(), StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(start), Encoding.UTF8.GetBytes(end));
    }
}
