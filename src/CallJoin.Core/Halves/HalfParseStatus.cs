namespace CallJoin.Core.Halves;

/// <summary>
/// The outcome of reading a half or building a row. Everything but <see cref="Ok"/> is a reason for an error record;
/// <see cref="HalfParser.ReasonText"/> turns it and its <see cref="HalfField"/> into the record's stable reason string.
/// </summary>
public enum HalfParseStatus
{
    /// <summary>Read or built.</summary>
    Ok = 0,

    /// <summary>Not exactly one well-formed JSON value in UTF-8, or a value upstream cannot serialize (an integer of more than 4300 digits, nesting deeper than 1000).</summary>
    MalformedJson,

    /// <summary>Well-formed JSON, but not an object.</summary>
    NotAnObject,

    /// <summary>No project_id, or it is null or empty.</summary>
    MissingProjectId,

    /// <summary>No id, or it is null or empty.</summary>
    MissingId,

    /// <summary>No started_at (start) or ended_at (end), or it is null.</summary>
    MissingTimestamp,

    /// <summary>The timestamp is not an ISO-8601 date and time.</summary>
    BadTimestamp,

    /// <summary>A known field has a JSON type its schema does not allow (say inputs is an array).</summary>
    WrongType,

    /// <summary>The start and the end given to the row builder have different project_id or id.</summary>
    KeyMismatch,
}
