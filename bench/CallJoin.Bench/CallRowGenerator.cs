using System.Text;

namespace CallJoin.Bench;

/// <summary>Deterministic calls_complete-shaped rows with JSON dumps of a chosen total size.</summary>
internal static class CallRowGenerator
{
    /// <summary>The columns the bench writes, in table order (defaults fill the rest).</summary>
    public static readonly string[] Columns =
    [
        "id", "project_id", "created_at", "trace_id", "op_name", "started_at", "ended_at", "parent_id", "display_name",
        "wb_user_id", "wb_run_id", "thread_id", "turn_id", "inputs_dump", "input_refs", "output_dump", "summary_dump",
        "output_refs", "attributes_dump", "wb_run_step", "wb_run_step_end", "source",
    ];

    public static object[] Row(int i, int dumpBytes)
    {
        var started = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(i * 1_000L);
        var id = new Guid(i, 0x7a1b, 0x4c2d, 1, 2, 3, 4, 5, 6, 7, 8).ToString();
        return
        [
            id, "entity/project-" + (i % 16), started.AddSeconds(1), "trace-" + (i / 8), "weave:///entity/project/op/predict:v" + (i % 5),
            started, started.AddMilliseconds(250 + (i % 1000)), i % 8 == 0 ? "" : "parent-" + (i / 8), "", "user-" + (i % 100), "", "", "",
            DumpText("inputs", i, dumpBytes * 45 / 100), i % 10 == 0 ? new[] { "weave:///entity/project/object/doc:abc" } : [],
            DumpText("output", i, dumpBytes * 30 / 100), DumpText("summary", i, dumpBytes * 10 / 100), Array.Empty<string>(),
            DumpText("attributes", i, dumpBytes * 15 / 100), (ulong)i, 0UL, "calljoin",
        ];
    }

    /// <summary>A JSON object of about <paramref name="bytes"/> bytes: one field of pseudo-random words, fixed by <paramref name="i"/>.</summary>
    internal static string DumpText(string field, int i, int bytes)
    {
        var sb = new StringBuilder(bytes + 32);
        sb.Append("{\"").Append(field).Append("\":\"");
        var seed = (uint)(i * 2654435761u) ^ (uint)field.Length;
        while (sb.Length < bytes - 2)
        {
            seed = (seed * 1664525u) + 1013904223u;
            sb.Append((char)('a' + (seed >> 27)));
            if ((seed & 7) == 0)
            {
                sb.Append(' ');
            }
        }

        return sb.Append("\"}").ToString();
    }
}
