namespace CallJoin.Core.Halves;

/// <summary>The message fields CallJoin reads; names an error's field (<c>wrong_type:inputs</c>).</summary>
public enum HalfField
{
    /// <summary>No particular field (the payload as a whole).</summary>
    None = 0,
    ProjectId,
    Id,
    OpName,
    DisplayName,
    TraceId,
    ParentId,
    ThreadId,
    TurnId,
    StartedAt,
    Attributes,
    Inputs,
    OtelDump,
    WbUserId,
    WbRunId,
    WbRunStep,
    EndedAt,
    Exception,
    Output,
    Summary,
    WbRunStepEnd,
}
