namespace CallJoin.Core.Halves;

/// <summary>Which half of a call a message is: its start or its end.</summary>
public enum CallSide
{
    /// <summary>A start message (StartedCallSchemaForInsert).</summary>
    Start = 1,

    /// <summary>An end message (EndedCallSchemaForInsert).</summary>
    End = 2,
}
