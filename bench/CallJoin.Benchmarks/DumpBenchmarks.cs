using System.Text;
using BenchmarkDotNet.Attributes;
using CallJoin.Dumps;

namespace CallJoin.Benchmarks;

/// <summary>
/// Replaying and recording dumps (kcat's <c>-J</c> lines), per record: reading one from an endless stream of them, and
/// reading one and writing it out again. Expected: 0 B allocated per record.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.ZeroAllocation)]
public class DumpBenchmarks
{
    private const int Records = 2_000;
    private DumpReader _reader = null!;
    private DumpReader _copySource = null!;
    private DumpWriter _writer = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        var payload = Encoding.UTF8.GetBytes("{\"op_name\":\"weave:///e/p/op/predict:v1\",\"inputs\":{\"text\":\"line\\nbreak \u00e9\"}}");
        var dump = new MemoryStream();
        using (var writer = new DumpWriter(dump, leaveOpen: true))
        {
            for (var i = 0; i < Records; i++)
            {
                writer.Write(i % 2 == 0 ? "weave.call_started" : "weave.call_ended", i % 3, i, 1_000 + i, "call-id"u8, true, payload, true);
            }
        }

        _reader = new DumpReader(new RepeatingStream(dump.ToArray()), "bench.jsonl");
        _copySource = new DumpReader(new RepeatingStream(dump.ToArray()), "bench.jsonl");
        _writer = new DumpWriter(Stream.Null);
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _reader.Dispose();
        _copySource.Dispose();
        _writer.Dispose();
    }

    [Benchmark]
    public int ReadRecord() => _reader.Read() == DumpReadResult.Record ? _reader.Payload.Length : Fail();

    [Benchmark]
    public void ReadAndWriteRecord()
    {
        if (_copySource.Read() != DumpReadResult.Record)
        {
            Fail();
        }

        _writer.Write(_copySource);
    }

    private static int Fail() => throw new InvalidOperationException("the repeating dump ended or a line did not parse");
}
