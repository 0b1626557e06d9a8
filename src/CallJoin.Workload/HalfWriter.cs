using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using CallJoin.Core.Halves;

namespace CallJoin.Workload;

/// <summary>
/// Renders a planned call's start or end as the trace server's insert JSON (pydantic's <c>model_dump_json</c>: compact,
/// every field present, null when unset, non-ASCII unescaped), sized to the plan, optionally with one defect.
/// </summary>
/// <remarks>
/// Everything drawn while rendering comes from the call's content seed, so a half renders to the same bytes every time
/// (a redelivery is a second rendering). One writer per pass; reuses its buffers. Not thread-safe.
/// </remarks>
internal sealed partial class HalfWriter : IDisposable
{
    private const long MicrosPerSecond = 1_000_000;

    private static readonly JsonWriterOptions s_options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly WorkloadCatalog _catalog;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _json;
    private readonly WorkloadRandom _random = new(0);
    private readonly WorkloadRandom _traitsRandom = new(0);
    private byte[] _text = new byte[16 * 1024];
    private PlannedCall _call = null!;
    private CallTraits _traits;
    private HalfDefect _defect;

    public HalfWriter(WorkloadCatalog catalog)
    {
        _catalog = catalog;
        _json = new Utf8JsonWriter(_buffer, s_options);
    }

    public void Dispose() => _json.Dispose();

    /// <summary>The call's <paramref name="side"/> as a new array; with a defect, the malformed message carrying <paramref name="id"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte[] Render(PlannedCall call, CallSide side, HalfDefect defect, CallId id)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _call = call;
        _defect = defect;
        _traits = CallTraits.Of(call, _traitsRandom);
        _random.Reseed(WorkloadRandom.Mix(call.ContentSeed, side == CallSide.Start ? 1UL : 2UL));
        if (side == CallSide.Start)
        {
            WriteStart(id);
        }
        else
        {
            WriteEnd(id);
        }

        _json.Flush();
        var json = _buffer.WrittenSpan;
        switch (defect)
        {
            case HalfDefect.Truncated:
                return json[..(int)_random.Between(1, json.Length - 1)].ToArray();
            case HalfDefect.InvalidUtf8:
                var bytes = json.ToArray();
                bytes[bytes.AsSpan().IndexOf("\"id\":\""u8) + 6] = 0xFF;
                return bytes;
            case HalfDefect.NotAnObject:
                var wrapped = new byte[json.Length + 2];
                wrapped[0] = (byte)'[';
                json.CopyTo(wrapped.AsSpan(1));
                wrapped[^1] = (byte)']';
                return wrapped;
            default:
                return json.ToArray();
        }
    }

    private long Written => _json.BytesCommitted + _json.BytesPending;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteStart(CallId id)
    {
        var call = _call;
        var json = _json;
        json.WriteStartObject();
        WriteKey(id);
        if (_defect == HalfDefect.TextWrongType)
        {
            json.WriteStartObject("op_name"u8);
            json.WriteString("name"u8, WorkloadCatalog.PlainOpName(call.Op, _traits.Variant));
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("op_name"u8, _catalog.OpName(call.Project, call.Op, _traits.Variant, _traits.OpForm));
        }

        WriteDisplayName();
        WriteIdOrNull("trace_id"u8, call.TraceId);
        WriteIdOrNull("parent_id"u8, call.ParentId);
        WriteIdOrNull("thread_id"u8, call.ThreadId);
        WriteIdOrNull("turn_id"u8, call.ThreadId.IsEmpty ? default : call.RootId);
        WriteTimestamp("started_at"u8, call.StartedAtMicros, _defect);
        json.WritePropertyName("attributes"u8);
        json.WriteRawValue(WorkloadContent.Attributes[_catalog.CompactHalves ? WorkloadContent.ShortestAttributes : _traits.Client], skipInputValidation: true);
        if (_defect == HalfDefect.BodyWrongType)
        {
            json.WriteStartArray("inputs"u8);
            WriteProseValue(40);
            json.WriteEndArray();
        }
        else
        {
            json.WriteStartObject("inputs"u8);
            WriteInputs();
            json.WriteEndObject();
        }

        if (_traits.Otel && !_catalog.CompactHalves)
        {
            json.WritePropertyName("otel_dump"u8);
            json.WriteRawValue(WorkloadContent.OtelDump, skipInputValidation: true);
        }
        else
        {
            json.WriteNull("otel_dump"u8);
        }

        json.WriteString("wb_user_id"u8, _catalog.UserIds[call.Project][call.User]);
        WriteRun("wb_run_id"u8, "wb_run_step"u8);
        json.WriteEndObject();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteEnd(CallId id)
    {
        var call = _call;
        var json = _json;
        json.WriteStartObject();
        WriteKey(id);
        WriteTimestamp("ended_at"u8, call.EndedAtMicros, _defect);
        if (_defect == HalfDefect.TextWrongType)
        {
            json.WriteStartObject("exception"u8);
            json.WriteString("type"u8, "ValueError"u8);
            json.WriteEndObject();
        }
        else if (call.Fails)
        {
            json.WriteString("exception"u8, _random.Pick(WorkloadContent.Exceptions));
        }
        else
        {
            json.WriteNull("exception"u8);
        }

        if (call.Fails)
        {
            json.WriteNull("output"u8);
        }
        else
        {
            json.WritePropertyName("output"u8);
            WriteOutput();
        }

        if (_defect == HalfDefect.BodyWrongType)
        {
            json.WriteStartArray("summary"u8);
            json.WriteEndArray();
        }
        else
        {
            json.WriteStartObject("summary"u8);
            WriteSummary();
            json.WriteEndObject();
        }

        WriteRun(default, "wb_run_step_end"u8);
        if (_traits.EndCarriesStart)
        {
            WriteTimestamp("started_at"u8, call.StartedAtMicros, HalfDefect.None);
        }

        json.WriteEndObject();
    }

    /// <summary>project_id and id, unless the defect removes or mistypes one.</summary>
    private void WriteKey(CallId id)
    {
        if (_defect != HalfDefect.MissingProjectId)
        {
            _json.WriteString("project_id"u8, _catalog.ProjectIds[_call.Project]);
        }

        if (_defect == HalfDefect.IdWrongType)
        {
            _json.WriteNumber("id"u8, (long)(id.Low >> 20));
        }
        else if (_defect != HalfDefect.MissingId)
        {
            Span<byte> text = stackalloc byte[CallId.TextLength];
            id.Format(text);
            _json.WriteString("id"u8, text);
        }
    }

    private void WriteIdOrNull(ReadOnlySpan<byte> name, CallId id)
    {
        if (id.IsEmpty)
        {
            _json.WriteNull(name);
            return;
        }

        Span<byte> text = stackalloc byte[CallId.TextLength];
        id.Format(text);
        _json.WriteString(name, text);
    }

    private void WriteDisplayName()
    {
        if (!_traits.DisplayName)
        {
            _json.WriteNull("display_name"u8);
            return;
        }

        var name = _call.Op switch
        {
            OpKind.Evaluation => $"eval-{_call.Index % 1000:D3}",
            OpKind.AgentStep => $"step {_call.Ordinal + 1}",
            _ => $"{WorkloadCatalog.PlainOpName(_call.Op, _traits.Variant)} #{_call.Index % 97}",
        };
        _json.WriteString("display_name"u8, name);
    }

    /// <summary>A timestamp as pydantic writes it: microseconds unless zero, <c>Z</c> or <c>+00:00</c>; the defect may drop or spoil it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteTimestamp(ReadOnlySpan<byte> name, long micros, HalfDefect defect)
    {
        if (defect == HalfDefect.MissingTimestamp)
        {
            return;
        }

        if (defect == HalfDefect.BadTimestamp)
        {
            _json.WriteString(name, _random.Pick(WorkloadContent.BadTimestamps));
            return;
        }

        Span<byte> text = stackalloc byte[40];
        var time = DateTime.UnixEpoch.AddTicks(micros * 10);
        time.TryFormat(text, out int length, "yyyy-MM-dd'T'HH:mm:ss", provider: null);
        long fraction = micros % MicrosPerSecond;
        if (fraction != 0)
        {
            text[length++] = (byte)'.';
            for (long scale = 100_000; scale > 0; scale /= 10)
            {
                text[length++] = (byte)('0' + (fraction / scale % 10));
            }
        }

        var zone = _traits.PlusOffset ? "+00:00"u8 : "Z"u8;
        zone.CopyTo(text[length..]);
        _json.WriteString(name, text[..(length + zone.Length)]);
    }

    /// <summary>wb_run_id (when <paramref name="runName"/> is given) and the step field; the defect makes the step negative.</summary>
    private void WriteRun(ReadOnlySpan<byte> runName, ReadOnlySpan<byte> stepName)
    {
        var call = _call;
        if (!runName.IsEmpty)
        {
            if (call.Run >= 0)
            {
                _json.WriteString(runName, _catalog.RunId(call.Run));
            }
            else
            {
                _json.WriteNull(runName);
            }
        }

        if (_defect == HalfDefect.StepWrongType)
        {
            _json.WriteNumber(stepName, -1);
        }
        else if (call.Run >= 0)
        {
            _json.WriteNumber(stepName, call.RunStep);
        }
        else
        {
            _json.WriteNull(stepName);
        }
    }

    /// <summary>How long the main text should be so the message comes out near <paramref name="target"/> bytes.</summary>
    private int Budget(int target, int reserve, int minimum) => (int)Math.Max(minimum, target - Written - reserve);

    /// <summary>A property whose value is prose of <paramref name="length"/> bytes.</summary>
    private void WriteProse(ReadOnlySpan<byte> name, int length)
    {
        _json.WritePropertyName(name);
        WriteProseValue(length);
    }

    private void WriteProseValue(int length)
    {
        var text = Text(length);
        int written = _catalog.Text.FillProse(text, _random);
        _json.WriteStringValue(text[..written]);
    }

    /// <summary>A data URL of about <paramref name="length"/> bytes of base64 image.</summary>
    private void WriteImageUrl(int length)
    {
        var prefix = "data:image/png;base64,"u8;
        var text = Text(Math.Max(length, prefix.Length + 4));
        prefix.CopyTo(text);
        _catalog.Text.FillBase64(text[prefix.Length..], _random);
        _json.WriteString("url"u8, text);
    }

    private Span<byte> Text(int length)
    {
        if (_text.Length < length)
        {
            _text = new byte[Math.Max(length, _text.Length * 2)];
        }

        return _text.AsSpan(0, length);
    }
}
