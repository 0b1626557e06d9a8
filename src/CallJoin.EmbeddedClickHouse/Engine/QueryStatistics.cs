namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>What one statement read and wrote, as ClickHouse reports it in <c>X-ClickHouse-Summary</c>.</summary>
internal readonly record struct QueryStatistics(ulong ReadRows, ulong ReadBytes, ulong WrittenRows, ulong WrittenBytes, double ElapsedSeconds);
