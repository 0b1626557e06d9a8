namespace CallJoin.Chaos;

/// <summary>A chaos run could not go on: a wait ran out (the message says what did not happen) or an engine failed to start.</summary>
public sealed class ChaosException : Exception
{
    public ChaosException()
    {
    }

    public ChaosException(string message)
        : base(message)
    {
    }

    public ChaosException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
