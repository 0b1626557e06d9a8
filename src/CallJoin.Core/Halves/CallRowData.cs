using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// One calls_complete row as UTF-8 column values, built by <see cref="CallRowBuilder"/>. Absent optional strings are
/// the table's sentinel '' (empty); absent dumps are <c>{}</c> (attributes, inputs, summary), <c>null</c> (output) or
/// '' (otel_dump). created_at, expire_at and source are the writer's business. A row read back from calls_complete is
/// filled with <see cref="Set"/>, the timestamp and run-step properties, <see cref="AddInputRef"/> and
/// <see cref="AddOutputRef"/>.
/// </summary>
/// <remarks>Reused row after row: spans are valid until the next <see cref="Reset"/> or build. Not thread-safe.</remarks>
public sealed class CallRowData
{
    private readonly ByteBuffer[] _text = CreateBuffers();

    public CallRowData() => Reset();

    public ReadOnlySpan<byte> Id => Text(HalfField.Id);

    public ReadOnlySpan<byte> ProjectId => Text(HalfField.ProjectId);

    public ReadOnlySpan<byte> TraceId => Text(HalfField.TraceId);

    public ReadOnlySpan<byte> OpName => Text(HalfField.OpName);

    public ReadOnlySpan<byte> DisplayName => Text(HalfField.DisplayName);

    public ReadOnlySpan<byte> ParentId => Text(HalfField.ParentId);

    public ReadOnlySpan<byte> ThreadId => Text(HalfField.ThreadId);

    public ReadOnlySpan<byte> TurnId => Text(HalfField.TurnId);

    public ReadOnlySpan<byte> Exception => Text(HalfField.Exception);

    /// <summary>The start's otel_dump as JSON text; '' when it had none.</summary>
    public ReadOnlySpan<byte> OtelDump => Text(HalfField.OtelDump);

    public ReadOnlySpan<byte> WbUserId => Text(HalfField.WbUserId);

    public ReadOnlySpan<byte> WbRunId => Text(HalfField.WbRunId);

    /// <summary>inputs as Python's <c>json.dumps</c> writes it (or the oversize marker).</summary>
    public ReadOnlySpan<byte> InputsDump => Text(HalfField.Inputs);

    /// <summary>output as Python's <c>json.dumps</c> writes it; <c>null</c> when absent or running.</summary>
    public ReadOnlySpan<byte> OutputDump => Text(HalfField.Output);

    /// <summary>summary as Python's <c>json.dumps</c> writes it; <c>{}</c> when absent or running.</summary>
    public ReadOnlySpan<byte> SummaryDump => Text(HalfField.Summary);

    /// <summary>attributes as Python's <c>json.dumps</c> writes it.</summary>
    public ReadOnlySpan<byte> AttributesDump => Text(HalfField.Attributes);

    /// <summary>Refs among the values of inputs.</summary>
    public CallRefs InputRefs { get; } = new();

    /// <summary>Refs in output.</summary>
    public CallRefs OutputRefs { get; } = new();

    /// <summary>The start's started_at, microseconds since the Unix epoch (UTC).</summary>
    public long StartedAtMicros { get; set; }

    /// <summary>The end's ended_at, microseconds since the Unix epoch; 0 (the table's sentinel) for a running call.</summary>
    public long EndedAtMicros { get; set; }

    public ulong WbRunStep { get; set; }

    public ulong WbRunStepEnd { get; set; }

    /// <summary>How many dumps were replaced by the oversize marker to bring the row under the size limit.</summary>
    public int DumpsReplaced { get; internal set; }

    /// <summary>Empties the row to a running row with every field at its sentinel or default.</summary>
    public void Reset()
    {
        foreach (var buffer in _text)
        {
            buffer.Clear();
        }

        SetDefault(HalfField.Attributes);
        SetDefault(HalfField.Inputs);
        SetDefault(HalfField.Output);
        SetDefault(HalfField.Summary);
        InputRefs.Clear();
        OutputRefs.Clear();
        StartedAtMicros = 0;
        EndedAtMicros = 0;
        WbRunStep = 0;
        WbRunStepEnd = 0;
        DumpsReplaced = 0;
    }

    /// <summary>
    /// Sets a text column (every field but <see cref="HalfField.None"/>, the timestamps and the run steps) to a value
    /// read back from calls_complete, byte for byte: dumps as stored, absent values as their sentinels.
    /// </summary>
    public void Set(HalfField field, ReadOnlySpan<byte> value)
    {
        if (!IsText(field))
        {
            throw new ArgumentOutOfRangeException(nameof(field), field, "Not a text column; set its property instead.");
        }

        _text[(int)field].Set(value);
    }

    /// <summary>Appends a ref to <see cref="InputRefs"/> (as read back from input_refs, in stored order) unless already there.</summary>
    public void AddInputRef(ReadOnlySpan<byte> value) => InputRefs.Add(value);

    /// <summary>Appends a ref to <see cref="OutputRefs"/> (as read back from output_refs, in stored order) unless already there.</summary>
    public void AddOutputRef(ReadOnlySpan<byte> value) => OutputRefs.Add(value);

    /// <summary>Whether <paramref name="field"/> is held as text (and can be given to <see cref="Set"/>).</summary>
    public static bool IsText(HalfField field) => field is not (HalfField.None or HalfField.StartedAt or HalfField.EndedAt
        or HalfField.WbRunStep or HalfField.WbRunStepEnd) && (uint)field <= (uint)HalfField.WbRunStepEnd;

    /// <summary>Makes this row a copy of <paramref name="source"/>: every column, both ref lists and the oversize count.</summary>
    internal void CopyFrom(CallRowData source)
    {
        if (ReferenceEquals(source, this))
        {
            return;
        }

        for (int i = 0; i < _text.Length; i++)
        {
            _text[i].Set(source._text[i].Written);
        }

        CopyRefs(source.InputRefs, InputRefs);
        CopyRefs(source.OutputRefs, OutputRefs);
        StartedAtMicros = source.StartedAtMicros;
        EndedAtMicros = source.EndedAtMicros;
        WbRunStep = source.WbRunStep;
        WbRunStepEnd = source.WbRunStepEnd;
        DumpsReplaced = source.DumpsReplaced;
    }

    internal ByteBuffer Buffer(HalfField field) => _text[(int)field];

    /// <summary>Sets a field to its value for "absent": <c>{}</c>, <c>null</c> or empty.</summary>
    internal void SetDefault(HalfField field)
    {
        switch (field)
        {
            case HalfField.Attributes:
            case HalfField.Inputs:
            case HalfField.Summary:
                _text[(int)field].Set("{}"u8);
                break;
            case HalfField.Output:
                _text[(int)field].Set("null"u8);
                break;
            default:
                _text[(int)field].Clear();
                break;
        }
    }

    private ReadOnlySpan<byte> Text(HalfField field) => _text[(int)field].Written;

    private static void CopyRefs(CallRefs source, CallRefs destination)
    {
        destination.Clear();
        for (int i = 0; i < source.Count; i++)
        {
            destination.Add(source[i]);
        }
    }

    private static ByteBuffer[] CreateBuffers()
    {
        var buffers = new ByteBuffer[(int)HalfField.WbRunStepEnd + 1];
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new ByteBuffer(64);
        }

        return buffers;
    }

    /// <summary>Bytes of the text columns (dumps, refs, names, exception), which dominate the row's size in any format.</summary>
    public long TextBytes
    {
        get
        {
            long bytes = InputsDump.Length + OutputDump.Length + SummaryDump.Length + AttributesDump.Length
                + OtelDump.Length + Exception.Length + DisplayName.Length + OpName.Length;
            for (var i = 0; i < InputRefs.Count; i++)
            {
                bytes += InputRefs[i].Length;
            }

            for (var i = 0; i < OutputRefs.Count; i++)
            {
                bytes += OutputRefs[i].Length;
            }

            return bytes;
        }
    }
}
