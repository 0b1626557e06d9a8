using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Halves;

/// <summary>Compares two rows column for column, byte for byte, naming the first column that differs.</summary>
/// <remarks>Also compiled into CallJoin.ClickHouse.Tests (linked), so both compare rows the same way.</remarks>
internal static class CallRowAssert
{
    private static readonly HalfField[] s_text =
    [
        HalfField.ProjectId, HalfField.Id, HalfField.OpName, HalfField.DisplayName, HalfField.TraceId, HalfField.ParentId,
        HalfField.ThreadId, HalfField.TurnId, HalfField.Attributes, HalfField.Inputs, HalfField.OtelDump, HalfField.WbUserId,
        HalfField.WbRunId, HalfField.Exception, HalfField.Output, HalfField.Summary,
    ];

    /// <summary>Every column, both ref lists, the oversize count and the complete-row version are equal.</summary>
    public static void Same(CallRowData expected, CallRowData actual, string call)
    {
        foreach (var field in s_text)
        {
            var e = Column(expected, field);
            var a = Column(actual, field);
            Assert.True(e.SequenceEqual(a), $"{call}: {field} differs ({e.Length} bytes expected, {a.Length} bytes read)");
        }

        Assert.Equal((expected.StartedAtMicros, expected.EndedAtMicros), (actual.StartedAtMicros, actual.EndedAtMicros));
        Assert.Equal((expected.WbRunStep, expected.WbRunStepEnd), (actual.WbRunStep, actual.WbRunStepEnd));
        Assert.Equal(Refs(expected.InputRefs), Refs(actual.InputRefs));
        Assert.Equal(Refs(expected.OutputRefs), Refs(actual.OutputRefs));
        Assert.Equal(expected.DumpsReplaced, actual.DumpsReplaced);
        Assert.Equal(RowVersion.Complete(expected), RowVersion.Complete(actual));
    }

    /// <summary>A text column of the row by field.</summary>
    public static ReadOnlySpan<byte> Column(CallRowData row, HalfField field) => field switch
    {
        HalfField.ProjectId => row.ProjectId,
        HalfField.Id => row.Id,
        HalfField.OpName => row.OpName,
        HalfField.DisplayName => row.DisplayName,
        HalfField.TraceId => row.TraceId,
        HalfField.ParentId => row.ParentId,
        HalfField.ThreadId => row.ThreadId,
        HalfField.TurnId => row.TurnId,
        HalfField.Attributes => row.AttributesDump,
        HalfField.Inputs => row.InputsDump,
        HalfField.OtelDump => row.OtelDump,
        HalfField.WbUserId => row.WbUserId,
        HalfField.WbRunId => row.WbRunId,
        HalfField.Exception => row.Exception,
        HalfField.Output => row.OutputDump,
        HalfField.Summary => row.SummaryDump,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Not a text column."),
    };

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="destination"/> through the public setters only, as a
    /// reader of calls_complete fills a row (the oversize count is not a column, so it is not copied).
    /// </summary>
    public static void CopyAsStored(CallRowData source, CallRowData destination)
    {
        destination.Reset();
        foreach (var field in s_text)
        {
            destination.Set(field, Column(source, field));
        }

        destination.StartedAtMicros = source.StartedAtMicros;
        destination.EndedAtMicros = source.EndedAtMicros;
        destination.WbRunStep = source.WbRunStep;
        destination.WbRunStepEnd = source.WbRunStepEnd;
        for (var i = 0; i < source.InputRefs.Count; i++)
        {
            destination.AddInputRef(source.InputRefs[i]);
        }

        for (var i = 0; i < source.OutputRefs.Count; i++)
        {
            destination.AddOutputRef(source.OutputRefs[i]);
        }
    }

    private static string[] Refs(CallRefs refs) =>
        [.. Enumerable.Range(0, refs.Count).Select(i => Convert.ToHexString(refs[i]))];
}
