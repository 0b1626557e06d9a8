using System.Text.Json;
using System.Text.Unicode;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// Builds a calls_complete row from a start and its end (or the start alone: a running row), as upstream's
/// <c>complete_call_to_ch_insertable</c> would: dumps are <c>json.dumps</c> of the parsed values, refs are
/// <c>extract_refs_from_values</c> of inputs and output, and oversize dumps are replaced by a marker.
/// </summary>
/// <remarks>
/// <para>
/// Oversize, as upstream's <c>_strip_large_values</c>: when inputs_dump, output_dump, attributes_dump and summary_dump
/// (otel_dump is not counted, as upstream) total more than <see cref="MaxDumpBytes"/>, the largest (ties in that column
/// order) is replaced by <see cref="DumpMarker"/>, then the next largest, until the total fits or all four are
/// replaced. Refs are still those of the original values.
/// </para>
/// <para>Single-threaded and reusable; steady state allocates nothing.</para>
/// </remarks>
public sealed class CallRowBuilder
{
    /// <summary>Upstream's CLICKHOUSE_SINGLE_ROW_INSERT_BYTES_LIMIT: 3.5 MiB.</summary>
    public const int DefaultMaxDumpBytes = 3 * 1024 * 1024 + 512 * 1024;

    private static readonly HalfField[] s_sizedDumps = [HalfField.Inputs, HalfField.Output, HalfField.Attributes, HalfField.Summary];

    private readonly PythonJsonWriter _writer = new();
    private readonly ByteBuffer _scratch = new(64);
    private readonly ByteBuffer _endKey = new(64);

    /// <param name="maxDumpBytes">The most bytes the four sized dumps may total before the largest are replaced.</param>
    public CallRowBuilder(int maxDumpBytes = DefaultMaxDumpBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDumpBytes);
        MaxDumpBytes = maxDumpBytes;
    }

    /// <summary>Upstream's ENTITY_TOO_LARGE_PAYLOAD, byte for byte.</summary>
    public static ReadOnlySpan<byte> DumpMarker => "{\"_weave\": {\"error\":\"<EXCEEDS_LIMITS>\"}}"u8;

    public int MaxDumpBytes { get; }

    /// <summary>The field the last failed build is about.</summary>
    public HalfField ErrorField { get; private set; }

    /// <summary>The half the last failed build is about.</summary>
    public CallSide ErrorSide { get; private set; }

    /// <summary>The error-record reason for the status the last build returned (<c>wrong_type:output</c>).</summary>
    public string Reason(HalfParseStatus status) => HalfParser.ReasonText(status, ErrorField);

    /// <summary>
    /// Fills <paramref name="row"/> from the start and, unless <paramref name="endPayload"/> is empty, the end. Never
    /// throws on bad input; on failure the row is incomplete and <see cref="ErrorSide"/> / <see cref="ErrorField"/>
    /// say where.
    /// </summary>
    /// <returns><see cref="HalfParseStatus.Ok"/>, a problem in either half as <see cref="HalfParser.TryReadKey"/> would
    /// report it, or <see cref="HalfParseStatus.KeyMismatch"/> when the halves belong to different calls.</returns>
    public HalfParseStatus Build(ReadOnlySpan<byte> startPayload, ReadOnlySpan<byte> endPayload, CallRowData row)
    {
        ArgumentNullException.ThrowIfNull(row);
        row.Reset();
        ErrorField = HalfField.None;
        ErrorSide = CallSide.Start;
        var status = ReadHalf(startPayload, CallSide.Start, row);
        if (status == HalfParseStatus.Ok && !endPayload.IsEmpty)
        {
            ErrorSide = CallSide.End;
            status = ReadHalf(endPayload, CallSide.End, row);
        }

        if (status == HalfParseStatus.Ok)
        {
            ReplaceOversizeDumps(row);
        }

        return status;
    }

    /// <summary>
    /// Fills <paramref name="row"/> from a running row read back from calls_complete (the start's row, as
    /// <c>Build(start, default, …)</c> made it) and the call's end, so that it equals <c>Build(start, end, …)</c> column
    /// for column. <paramref name="row"/> may be <paramref name="running"/> itself. Never throws on bad input.
    /// </summary>
    /// <remarks>
    /// Exact unless <paramref name="startDumpsLost"/>: the running row already carried <see cref="DumpMarker"/> in a
    /// dump, so the start's original dump is gone and the complete row's oversize replacements (chosen by the original
    /// sizes) cannot be redone; the row is then the running row's dumps with the end's, the rule applied again, and the
    /// caller decides whether to write it. The end's columns are reset first, so a running row with stray end values
    /// still completes as the build would. <see cref="HalfField.EndedAt"/> of <paramref name="running"/> is not checked:
    /// a complete row given here is completed again.
    /// </remarks>
    /// <returns>As <see cref="Build"/> would for the end: <see cref="HalfParseStatus.Ok"/>, a problem in the end, or
    /// <see cref="HalfParseStatus.KeyMismatch"/> when the end belongs to another call.</returns>
    public HalfParseStatus Complete(CallRowData running, ReadOnlySpan<byte> endPayload, CallRowData row, out bool startDumpsLost)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(row);
        var markers = MarkerCount(running);
        startDumpsLost = markers > 0 || running.DumpsReplaced > 0;
        row.CopyFrom(running);
        row.DumpsReplaced = markers;
        row.EndedAtMicros = 0;
        row.WbRunStepEnd = 0;
        row.SetDefault(HalfField.Exception);
        row.SetDefault(HalfField.Output);
        row.SetDefault(HalfField.Summary);
        row.OutputRefs.Clear();
        ErrorField = HalfField.None;
        ErrorSide = CallSide.End;
        var status = ReadHalf(endPayload, CallSide.End, row);
        if (status == HalfParseStatus.Ok)
        {
            ReplaceOversizeDumps(row);
        }

        return status;
    }

    /// <summary>
    /// Whether a dump of <paramref name="row"/> is <see cref="DumpMarker"/> (or the row counts a replacement): a
    /// dump <c>json.dumps</c> wrote can never equal the marker, which lacks the space after its inner colon.
    /// </summary>
    public static bool CarriesDumpMarker(CallRowData row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.DumpsReplaced > 0 || MarkerCount(row) > 0;
    }

    private static int MarkerCount(CallRowData row)
    {
        var count = 0;
        foreach (var field in s_sizedDumps)
        {
            count += row.Buffer(field).Written.SequenceEqual(DumpMarker) ? 1 : 0;
        }

        return count;
    }

    private HalfParseStatus ReadHalf(ReadOnlySpan<byte> payload, CallSide side, CallRowData row)
    {
        if (!Utf8.IsValid(payload))
        {
            return Fail(HalfParseStatus.MalformedJson, HalfField.None);
        }

        _endKey.Clear();
        bool hasProject = false;
        bool hasId = false;
        bool hasTimestamp = false;
        var reader = new Utf8JsonReader(payload, HalfParser.ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                return Fail(HalfParseStatus.MalformedJson, HalfField.None);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return Fail(reader.Read() ? HalfParseStatus.MalformedJson : HalfParseStatus.NotAnObject, HalfField.None);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = HalfParser.ReadFieldName(ref reader, _scratch);
                reader.Read();
                if (!HalfParser.BelongsTo(field, side))
                {
                    reader.Skip();
                    continue;
                }

                HalfParseStatus status;
                switch (field)
                {
                    case HalfField.ProjectId:
                    case HalfField.Id:
                        // The end's key is only compared with the start's.
                        var destination = side == CallSide.Start ? row.Buffer(field) : _endKey;
                        status = HalfParser.ReadString(ref reader, destination);
                        if (side == CallSide.End && status == HalfParseStatus.Ok && destination.Length > 0
                            && !destination.Written.SequenceEqual(row.Buffer(field).Written))
                        {
                            status = HalfParseStatus.KeyMismatch;
                        }

                        if (field == HalfField.ProjectId)
                        {
                            hasProject = destination.Length > 0;
                        }
                        else
                        {
                            hasId = destination.Length > 0;
                        }

                        break;
                    case HalfField.StartedAt:
                        status = HalfParser.ReadTimestamp(ref reader, _scratch, out long started, out hasTimestamp);
                        row.StartedAtMicros = started;
                        break;
                    case HalfField.EndedAt:
                        status = HalfParser.ReadTimestamp(ref reader, _scratch, out long ended, out hasTimestamp);
                        row.EndedAtMicros = ended;
                        break;
                    case HalfField.WbRunStep:
                        status = HalfParser.ReadCount(ref reader, out ulong step);
                        row.WbRunStep = step;
                        break;
                    case HalfField.WbRunStepEnd:
                        status = HalfParser.ReadCount(ref reader, out ulong stepEnd);
                        row.WbRunStepEnd = stepEnd;
                        break;
                    case HalfField.Attributes:
                    case HalfField.Summary:
                    case HalfField.OtelDump:
                        status = ReadObjectDump(ref reader, payload, row, field, refs: null);
                        break;
                    case HalfField.Inputs:
                        status = ReadObjectDump(ref reader, payload, row, field, row.InputRefs);
                        break;
                    case HalfField.Output:
                        row.OutputRefs.Clear();
                        row.Buffer(field).Clear();
                        status = _writer.WriteValue(ref reader, payload, row.Buffer(field), row.OutputRefs);
                        break;
                    default:
                        status = HalfParser.ReadString(ref reader, row.Buffer(field));
                        break;
                }

                if (status != HalfParseStatus.Ok)
                {
                    return Fail(status, field);
                }
            }

            if (reader.Read())
            {
                return Fail(HalfParseStatus.MalformedJson, HalfField.None);
            }
        }
        catch (JsonException)
        {
            return Fail(HalfParseStatus.MalformedJson, HalfField.None);
        }

        if (!hasProject)
        {
            return Fail(HalfParseStatus.MissingProjectId, HalfField.ProjectId);
        }

        if (!hasId)
        {
            return Fail(HalfParseStatus.MissingId, HalfField.Id);
        }

        return hasTimestamp
            ? HalfParseStatus.Ok
            : Fail(HalfParseStatus.MissingTimestamp, side == CallSide.Start ? HalfField.StartedAt : HalfField.EndedAt);
    }

    /// <summary>attributes, inputs, summary or otel_dump: an object, dumped; null counts as absent.</summary>
    private HalfParseStatus ReadObjectDump(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload, CallRowData row, HalfField field, CallRefs? refs)
    {
        refs?.Clear();
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var buffer = row.Buffer(field);
                buffer.Clear();
                return _writer.WriteValue(ref reader, payload, buffer, refs);
            case JsonTokenType.Null:
                row.SetDefault(field);
                return HalfParseStatus.Ok;
            default:
                reader.Skip();
                return HalfParseStatus.WrongType;
        }
    }

    private void ReplaceOversizeDumps(CallRowData row)
    {
        long total = 0;
        Span<int> sizes = stackalloc int[s_sizedDumps.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = row.Buffer(s_sizedDumps[i]).Length;
            total += sizes[i];
        }

        if (total <= MaxDumpBytes)
        {
            return;
        }

        // Largest first; equal sizes in column order (Python's sort is stable, also with reverse=True).
        Span<int> order = [0, 1, 2, 3];
        for (int i = 1; i < order.Length; i++)
        {
            for (int j = i; j > 0 && sizes[order[j]] > sizes[order[j - 1]]; j--)
            {
                (order[j], order[j - 1]) = (order[j - 1], order[j]);
            }
        }

        foreach (int column in order)
        {
            if (total <= MaxDumpBytes)
            {
                break;
            }

            row.Buffer(s_sizedDumps[column]).Set(DumpMarker);
            total -= sizes[column] - DumpMarker.Length;
            row.DumpsReplaced++;
        }
    }

    private HalfParseStatus Fail(HalfParseStatus status, HalfField field)
    {
        ErrorField = field;
        return status;
    }
}
