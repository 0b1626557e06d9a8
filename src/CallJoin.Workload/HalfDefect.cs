using CallJoin.Core.Halves;

namespace CallJoin.Workload;

/// <summary>The one thing wrong with a malformed message; <see cref="None"/> for a valid half.</summary>
internal enum HalfDefect : byte
{
    None,

    /// <summary>A strict prefix of a valid half: not JSON.</summary>
    Truncated,

    /// <summary>A valid half with a byte that is not UTF-8 inside a string.</summary>
    InvalidUtf8,

    /// <summary>A valid half wrapped in an array.</summary>
    NotAnObject,

    MissingProjectId,
    MissingId,

    /// <summary>No started_at (start) or ended_at (end).</summary>
    MissingTimestamp,

    /// <summary>started_at or ended_at is not an ISO-8601 date-time.</summary>
    BadTimestamp,

    /// <summary>inputs (start) or summary (end) is an array.</summary>
    BodyWrongType,

    /// <summary>id is a number.</summary>
    IdWrongType,

    /// <summary>wb_run_step (start) or wb_run_step_end (end) is negative.</summary>
    StepWrongType,

    /// <summary>op_name (start) or exception (end) is an object.</summary>
    TextWrongType,
}

/// <summary>The error-record reasons of <see cref="HalfDefect"/>s, as the parser words them.</summary>
internal static class HalfDefects
{
    public static readonly HalfDefect[] Malformed =
    [
        HalfDefect.Truncated, HalfDefect.InvalidUtf8, HalfDefect.NotAnObject, HalfDefect.MissingProjectId, HalfDefect.MissingId,
        HalfDefect.MissingTimestamp, HalfDefect.BadTimestamp, HalfDefect.BodyWrongType, HalfDefect.IdWrongType,
        HalfDefect.StepWrongType, HalfDefect.TextWrongType,
    ];

    /// <summary>The reason the join's error record gives for a half of <paramref name="side"/> with <paramref name="defect"/>.</summary>
    public static string Reason(HalfDefect defect, CallSide side)
    {
        var timestamp = side == CallSide.Start ? HalfField.StartedAt : HalfField.EndedAt;
        var (status, field) = defect switch
        {
            HalfDefect.Truncated or HalfDefect.InvalidUtf8 => (HalfParseStatus.MalformedJson, HalfField.None),
            HalfDefect.NotAnObject => (HalfParseStatus.NotAnObject, HalfField.None),
            HalfDefect.MissingProjectId => (HalfParseStatus.MissingProjectId, HalfField.ProjectId),
            HalfDefect.MissingId => (HalfParseStatus.MissingId, HalfField.Id),
            HalfDefect.MissingTimestamp => (HalfParseStatus.MissingTimestamp, timestamp),
            HalfDefect.BadTimestamp => (HalfParseStatus.BadTimestamp, timestamp),
            HalfDefect.BodyWrongType => (HalfParseStatus.WrongType, side == CallSide.Start ? HalfField.Inputs : HalfField.Summary),
            HalfDefect.IdWrongType => (HalfParseStatus.WrongType, HalfField.Id),
            HalfDefect.StepWrongType => (HalfParseStatus.WrongType, side == CallSide.Start ? HalfField.WbRunStep : HalfField.WbRunStepEnd),
            HalfDefect.TextWrongType => (HalfParseStatus.WrongType, side == CallSide.Start ? HalfField.OpName : HalfField.Exception),
            _ => (HalfParseStatus.Ok, HalfField.None),
        };
        return HalfParser.ReasonText(status, field);
    }
}
