using System.Globalization;
using System.Text;

namespace CallJoin.Cli;

/// <summary>Generated calls shaped like the trace server's start and end messages, for demos and load.</summary>
internal static class SyntheticCalls
{
    public static readonly DateTime Epoch = new(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Call <paramref name="i"/>: its id and its start and end as UTF-8 JSON; the prompt pads the start to about <paramref name="startBytes"/>.</summary>
    public static (byte[] Id, byte[] Start, byte[] End) Create(int i, int startBytes = 0)
    {
        var id = Guid.CreateVersion7(Epoch.AddMilliseconds(i)).ToString();
        var started = Epoch.AddTicks(i * 10L);
        var prompt = "hello " + i.ToString(CultureInfo.InvariantCulture);
        var start = $$$"""{"project_id":"demo/project","id":"{{{id}}}","op_name":"weave:///demo/project/op/predict:v1","trace_id":"{{{id}}}","started_at":"{{{Iso(started)}}}","attributes":{},"inputs":{"prompt":"PROMPT"}}""";
        prompt = prompt.PadRight(Math.Max(prompt.Length, startBytes - start.Length + 6), '.');
        var end = $$$"""{"project_id":"demo/project","id":"{{{id}}}","ended_at":"{{{Iso(started.AddMilliseconds(250))}}}","output":{"answer":{{{i}}}},"summary":{}}""";
        return (Encoding.UTF8.GetBytes(id), Encoding.UTF8.GetBytes(start.Replace("PROMPT", prompt, StringComparison.Ordinal)), Encoding.UTF8.GetBytes(end));
    }

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
