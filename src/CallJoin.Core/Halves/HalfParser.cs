using System.Text.Json;
using System.Text.Unicode;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// Reads call halves (start and end messages: compact JSON from pydantic's <c>model_dump_json</c>) without building
/// object trees: the join key and timestamp on ingest, and the stable reason strings of error records.
/// </summary>
/// <remarks>
/// A payload must be exactly one JSON object in valid UTF-8 (standard JSON: no comments, trailing commas, NaN or
/// Infinity literals; nesting up to <see cref="MaxDepth"/>). Unknown fields, and the other side's fields, are ignored.
/// When a field repeats, its last occurrence counts, as in Python. Optional fields may be absent or null.
/// </remarks>
public static class HalfParser
{
    /// <summary>Deepest nesting accepted, about what Python's recursion limit lets upstream serialize.</summary>
    public const int MaxDepth = 1000;

    private static readonly string[] s_reasons = BuildReasons();

    internal static JsonReaderOptions ReaderOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Finds project_id, id and the side's timestamp (started_at or ended_at) and checks the whole payload: that it
    /// parses as one object and that the side's known fields have their schema's JSON types. Never throws on bad input.
    /// </summary>
    /// <returns><see cref="HalfParseStatus.Ok"/>, or the first problem: malformed JSON, then not an object, then the first
    /// field of a wrong type or with a bad timestamp, then a missing project_id, id or timestamp.</returns>
    public static HalfParseStatus TryReadKey(ReadOnlySpan<byte> payload, CallSide side, HalfKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.Reset();
        if (!Utf8.IsValid(payload))
        {
            return Fail(key, HalfParseStatus.MalformedJson, HalfField.None);
        }

        var timestampField = side == CallSide.Start ? HalfField.StartedAt : HalfField.EndedAt;
        var status = HalfParseStatus.Ok;
        var errorField = HalfField.None;
        bool hasProject = false;
        bool hasId = false;
        bool hasTimestamp = false;
        var reader = new Utf8JsonReader(payload, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                return Fail(key, HalfParseStatus.MalformedJson, HalfField.None);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return reader.Read()
                    ? Fail(key, HalfParseStatus.MalformedJson, HalfField.None)
                    : Fail(key, HalfParseStatus.NotAnObject, HalfField.None);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = ReadFieldName(ref reader, key.Scratch);
                reader.Read();
                if (field == HalfField.StartedAt && side == CallSide.End)
                {
                    // An end's optional started_at: a hint for an early lookup, never a reason to refuse the end.
                    key.EndStartedAtMicros = ReadTimestamp(ref reader, key.Scratch, out long startedAt, out _) == HalfParseStatus.Ok ? startedAt : 0;
                    continue;
                }

                if (!BelongsTo(field, side))
                {
                    reader.Skip();
                    continue;
                }

                var fieldStatus = HalfParseStatus.Ok;
                switch (field)
                {
                    case HalfField.ProjectId:
                        fieldStatus = ReadString(ref reader, key.ProjectIdBuffer);
                        hasProject = key.ProjectIdBuffer.Length > 0;
                        break;
                    case HalfField.Id:
                        fieldStatus = ReadString(ref reader, key.IdBuffer);
                        hasId = key.IdBuffer.Length > 0;
                        break;
                    case HalfField.StartedAt:
                    case HalfField.EndedAt:
                        fieldStatus = ReadTimestamp(ref reader, key.Scratch, out long micros, out hasTimestamp);
                        key.TimestampMicros = micros;
                        break;
                    default:
                        fieldStatus = CheckType(ref reader, field);
                        break;
                }

                if (fieldStatus != HalfParseStatus.Ok && status == HalfParseStatus.Ok)
                {
                    status = fieldStatus;
                    errorField = field;
                }
            }

            if (reader.Read())
            {
                return Fail(key, HalfParseStatus.MalformedJson, HalfField.None);
            }
        }
        catch (JsonException)
        {
            return Fail(key, HalfParseStatus.MalformedJson, HalfField.None);
        }

        if (status != HalfParseStatus.Ok)
        {
            return Fail(key, status, errorField);
        }

        if (!hasProject)
        {
            return Fail(key, HalfParseStatus.MissingProjectId, HalfField.ProjectId);
        }

        if (!hasId)
        {
            return Fail(key, HalfParseStatus.MissingId, HalfField.Id);
        }

        return hasTimestamp ? HalfParseStatus.Ok : Fail(key, HalfParseStatus.MissingTimestamp, timestampField);
    }

    /// <summary>
    /// The stable reason string for an error record: <c>malformed_json</c>, <c>not_an_object</c>,
    /// <c>missing_field:project_id</c>, <c>missing_field:id</c>, <c>missing_field:started_at</c>,
    /// <c>bad_timestamp:ended_at</c>, <c>wrong_type:inputs</c>, <c>key_mismatch</c> (and <c>ok</c>). Never allocates.
    /// </summary>
    public static string ReasonText(HalfParseStatus status, HalfField field)
    {
        int index = ((int)status * FieldCount) + (int)field;
        return (uint)status <= (uint)HalfParseStatus.KeyMismatch && (uint)field < FieldCount ? s_reasons[index] : "unknown";
    }

    /// <summary>The field's name in the message (<c>project_id</c>, <c>wb_run_step_end</c>); empty for <see cref="HalfField.None"/>.</summary>
    public static string FieldName(HalfField field) => field switch
    {
        HalfField.ProjectId => "project_id",
        HalfField.Id => "id",
        HalfField.OpName => "op_name",
        HalfField.DisplayName => "display_name",
        HalfField.TraceId => "trace_id",
        HalfField.ParentId => "parent_id",
        HalfField.ThreadId => "thread_id",
        HalfField.TurnId => "turn_id",
        HalfField.StartedAt => "started_at",
        HalfField.Attributes => "attributes",
        HalfField.Inputs => "inputs",
        HalfField.OtelDump => "otel_dump",
        HalfField.WbUserId => "wb_user_id",
        HalfField.WbRunId => "wb_run_id",
        HalfField.WbRunStep => "wb_run_step",
        HalfField.EndedAt => "ended_at",
        HalfField.Exception => "exception",
        HalfField.Output => "output",
        HalfField.Summary => "summary",
        HalfField.WbRunStepEnd => "wb_run_step_end",
        _ => "",
    };

    private const int FieldCount = (int)HalfField.WbRunStepEnd + 1;

    /// <summary>Whether the side's schema has the field (project_id and id are in both; an end's started_at is ignored).</summary>
    internal static bool BelongsTo(HalfField field, CallSide side) => field switch
    {
        HalfField.None => false,
        HalfField.ProjectId or HalfField.Id => true,
        < HalfField.EndedAt => side == CallSide.Start,
        _ => side == CallSide.End,
    };

    /// <summary>Classifies the property name the reader is on (unescaping it first if it has escapes).</summary>
    internal static HalfField ReadFieldName(ref Utf8JsonReader reader, ByteBuffer scratch)
    {
        if (!reader.ValueIsEscaped)
        {
            return Classify(reader.ValueSpan);
        }

        scratch.Clear();
        return PythonJsonText.TryUnescape(reader.ValueSpan, scratch) ? Classify(scratch.Written) : HalfField.None;
    }

    internal static HalfField Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => HalfField.Id,
        6 when name.SequenceEqual("inputs"u8) => HalfField.Inputs,
        6 when name.SequenceEqual("output"u8) => HalfField.Output,
        7 when name.SequenceEqual("op_name"u8) => HalfField.OpName,
        7 when name.SequenceEqual("summary"u8) => HalfField.Summary,
        7 when name.SequenceEqual("turn_id"u8) => HalfField.TurnId,
        8 when name.SequenceEqual("trace_id"u8) => HalfField.TraceId,
        8 when name.SequenceEqual("ended_at"u8) => HalfField.EndedAt,
        9 when name.SequenceEqual("parent_id"u8) => HalfField.ParentId,
        9 when name.SequenceEqual("thread_id"u8) => HalfField.ThreadId,
        9 when name.SequenceEqual("wb_run_id"u8) => HalfField.WbRunId,
        9 when name.SequenceEqual("exception"u8) => HalfField.Exception,
        9 when name.SequenceEqual("otel_dump"u8) => HalfField.OtelDump,
        10 when name.SequenceEqual("project_id"u8) => HalfField.ProjectId,
        10 when name.SequenceEqual("started_at"u8) => HalfField.StartedAt,
        10 when name.SequenceEqual("attributes"u8) => HalfField.Attributes,
        10 when name.SequenceEqual("wb_user_id"u8) => HalfField.WbUserId,
        11 when name.SequenceEqual("wb_run_step"u8) => HalfField.WbRunStep,
        12 when name.SequenceEqual("display_name"u8) => HalfField.DisplayName,
        15 when name.SequenceEqual("wb_run_step_end"u8) => HalfField.WbRunStepEnd,
        _ => HalfField.None,
    };

    /// <summary>A string field: its unescaped text into <paramref name="destination"/>; null gives empty.</summary>
    internal static HalfParseStatus ReadString(ref Utf8JsonReader reader, ByteBuffer destination)
    {
        destination.Clear();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (!reader.ValueIsEscaped)
                {
                    destination.Append(reader.ValueSpan);
                    return HalfParseStatus.Ok;
                }

                return PythonJsonText.TryUnescape(reader.ValueSpan, destination) ? HalfParseStatus.Ok : HalfParseStatus.MalformedJson;
            case JsonTokenType.Null:
                return HalfParseStatus.Ok;
            default:
                reader.Skip();
                return HalfParseStatus.WrongType;
        }
    }

    /// <summary>A timestamp field; null counts as absent.</summary>
    internal static HalfParseStatus ReadTimestamp(ref Utf8JsonReader reader, ByteBuffer scratch, out long micros, out bool present)
    {
        micros = 0;
        present = false;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.ValueSpan;
                if (reader.ValueIsEscaped)
                {
                    scratch.Clear();
                    if (!PythonJsonText.TryUnescape(text, scratch))
                    {
                        return HalfParseStatus.MalformedJson;
                    }

                    text = scratch.Written;
                }

                present = IsoTimestamp.TryParseMicros(text, out micros);
                return present ? HalfParseStatus.Ok : HalfParseStatus.BadTimestamp;
            case JsonTokenType.Null:
                return HalfParseStatus.Ok;
            default:
                reader.Skip();
                return HalfParseStatus.WrongType;
        }
    }

    /// <summary>wb_run_step / wb_run_step_end: a non-negative integer that fits UInt64; null gives 0.</summary>
    internal static HalfParseStatus ReadCount(ref Utf8JsonReader reader, out ulong value)
    {
        value = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetUInt64(out value) ? HalfParseStatus.Ok : HalfParseStatus.WrongType;
            case JsonTokenType.Null:
                return HalfParseStatus.Ok;
            default:
                reader.Skip();
                return HalfParseStatus.WrongType;
        }
    }

    /// <summary>Checks (and skips) the value of a field not needed for the key: the JSON type its schema allows.</summary>
    private static HalfParseStatus CheckType(ref Utf8JsonReader reader, HalfField field)
    {
        var token = reader.TokenType;
        var status = field switch
        {
            HalfField.Output => HalfParseStatus.Ok,
            HalfField.WbRunStep or HalfField.WbRunStepEnd => token == JsonTokenType.Null
                || (token == JsonTokenType.Number && reader.TryGetUInt64(out _)) ? HalfParseStatus.Ok : HalfParseStatus.WrongType,
            HalfField.Attributes or HalfField.Inputs or HalfField.OtelDump or HalfField.Summary =>
                token is JsonTokenType.StartObject or JsonTokenType.Null ? HalfParseStatus.Ok : HalfParseStatus.WrongType,
            _ => token is JsonTokenType.String or JsonTokenType.Null ? HalfParseStatus.Ok : HalfParseStatus.WrongType,
        };
        reader.Skip();
        return status;
    }

    private static HalfParseStatus Fail(HalfKey key, HalfParseStatus status, HalfField field)
    {
        key.ErrorField = field;
        return status;
    }

    private static string[] BuildReasons()
    {
        var reasons = new string[((int)HalfParseStatus.KeyMismatch + 1) * FieldCount];
        for (int s = 0; s <= (int)HalfParseStatus.KeyMismatch; s++)
        {
            for (int f = 0; f < FieldCount; f++)
            {
                var name = FieldName((HalfField)f);
                reasons[(s * FieldCount) + f] = (HalfParseStatus)s switch
                {
                    HalfParseStatus.Ok => "ok",
                    HalfParseStatus.MalformedJson => "malformed_json",
                    HalfParseStatus.NotAnObject => "not_an_object",
                    HalfParseStatus.MissingProjectId => "missing_field:project_id",
                    HalfParseStatus.MissingId => "missing_field:id",
                    HalfParseStatus.MissingTimestamp => "missing_field:" + name,
                    HalfParseStatus.BadTimestamp => "bad_timestamp:" + name,
                    HalfParseStatus.WrongType => "wrong_type:" + name,
                    _ => "key_mismatch",
                };
            }
        }

        return reasons;
    }
}
