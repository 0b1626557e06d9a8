using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace CallJoin.Routing;

/// <summary>
/// Writes one call per line in the trace server's call shape (<c>CallSchema</c>: id, project_id, op_name, display_name,
/// trace_id, parent_id, thread_id, turn_id, started_at, ended_at, exception, attributes, inputs, output, summary,
/// wb_user_id, wb_run_id, wb_run_step, wb_run_step_end), from a row of <see cref="CallListSql"/> on either table.
/// </summary>
/// <remarks>
/// The two tables say "missing" differently (calls_merged: NULL; calls_complete: <c>''</c>, <c>0</c>, the epoch), so both
/// are written as JSON null; a running call (no ended_at) has no output or summary on either path. The dumps are JSON
/// text and go out as JSON values, not strings.
/// </remarks>
public static class CallJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = false };

    /// <summary>Appends the reader's current row as one JSON line.</summary>
    public static void WriteLine(DbDataReader row, string projectId, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(row);
        using (var json = new Utf8JsonWriter(output, Options))
        {
            var endedAt = Micros(row, 8);
            var running = endedAt is null;
            json.WriteStartObject();
            json.WriteString("id", row.GetString(0));
            json.WriteString("project_id", projectId);
            Text(json, "op_name", row, 1);
            Text(json, "display_name", row, 2);
            Text(json, "trace_id", row, 3);
            Text(json, "parent_id", row, 4);
            Text(json, "thread_id", row, 5);
            Text(json, "turn_id", row, 6);
            Time(json, "started_at", Micros(row, 7));
            Time(json, "ended_at", endedAt);
            Text(json, "exception", row, 9);
            Dump(json, "attributes", row, 10);
            Dump(json, "inputs", row, 11);
            Dump(json, "output", running ? null : row, 12);
            Dump(json, "summary", running ? null : row, 13);
            Text(json, "wb_user_id", row, 14);
            Text(json, "wb_run_id", row, 15);
            Step(json, "wb_run_step", row, 16);
            Step(json, "wb_run_step_end", row, 17);
            json.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    private static void Text(Utf8JsonWriter json, string name, DbDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal) || row.GetString(ordinal) is not { Length: > 0 } text)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteString(name, text);
    }

    private static void Dump(Utf8JsonWriter json, string name, DbDataReader? row, int ordinal)
    {
        json.WritePropertyName(name);
        if (row is null || row.IsDBNull(ordinal) || row.GetString(ordinal) is not { Length: > 0 } text)
        {
            json.WriteNullValue();
            return;
        }

        try
        {
            json.WriteRawValue(text);
        }
        catch (JsonException)
        {
            json.WriteStringValue(text); // not JSON (never written by the trace server or CallJoin): keep it readable
        }
    }

    private static void Step(Utf8JsonWriter json, string name, DbDataReader row, int ordinal)
    {
        var value = row.IsDBNull(ordinal) ? 0UL : Convert.ToUInt64(row.GetValue(ordinal), CultureInfo.InvariantCulture);
        if (value == 0)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteNumber(name, value);
    }

    private static long? Micros(DbDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal))
        {
            return null;
        }

        var micros = Convert.ToInt64(row.GetValue(ordinal), CultureInfo.InvariantCulture);
        return micros == 0 ? null : micros;
    }

    private static void Time(Utf8JsonWriter json, string name, long? micros)
    {
        if (micros is not { } value)
        {
            json.WriteNull(name);
            return;
        }

        var time = DateTime.UnixEpoch.AddTicks(value * 10);
        json.WriteString(name, time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
    }
}
