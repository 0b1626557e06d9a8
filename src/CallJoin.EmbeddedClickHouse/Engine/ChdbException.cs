namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>An error the engine reported, with its ClickHouse text.</summary>
public sealed class ChdbException : Exception
{
    public ChdbException()
    {
    }

    public ChdbException(string message)
        : base(message)
    {
    }

    public ChdbException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
