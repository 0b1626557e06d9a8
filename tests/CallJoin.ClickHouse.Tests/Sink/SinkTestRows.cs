using System.Globalization;
using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>Builds distinct joined rows (call-0, call-1, …) through the real row builder, one reused row at a time.</summary>
internal sealed class SinkTestRows
{
    private readonly CallRowBuilder _builder = new();

    public CallRowData Row { get; } = new();

    /// <summary>
    /// Row <paramref name="i"/>: started in January 2025 (one partition) or <paramref name="months"/> later, ended, with an
    /// output of <paramref name="i"/>.
    /// </summary>
    public CallRowData Build(int i, string opName = "op", int months = 0)
    {
        var started = new DateTime(2025, 1, 2, 0, 0, 0, DateTimeKind.Utc).AddMonths(months).AddTicks(i * 10L * 1000);
        var startedText = started.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        var endedText = months == 0 ? "2025-01-03T00:00:00Z" : started.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        var start = $$$"""{"project_id":"proj","id":"call-{{{i}}}","op_name":"{{{opName}}}","trace_id":"trace-{{{i / 10}}}","started_at":"{{{startedText}}}","inputs":{"x":{{{i}}},"ref":"weave-trace-internal:///proj/object/Model:v{{{i % 7}}}"},"attributes":{"n":{{{i}}}}}""";
        var end = $$$"""{"project_id":"proj","id":"call-{{{i}}}","started_at":"{{{startedText}}}","ended_at":"{{{endedText}}}","output":{{{i}}},"summary":{"ok":true}}""";
        var status = _builder.Build(Encoding.UTF8.GetBytes(start), Encoding.UTF8.GetBytes(end), Row);
        if (status != HalfParseStatus.Ok)
        {
            throw new InvalidOperationException($"row {i}: {status}");
        }

        return Row;
    }

    /// <summary>Sources for row <paramref name="i"/>: start and end at offset <paramref name="i"/> of partition 0.</summary>
    public static RowSources Sources(int i) => new(new SourcePosition(0, i), new SourcePosition(0, i), Complete: true);
}
