using System.Buffers;
using CallJoin.ClickHouse.RowBinary;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core.Join;

namespace CallJoin.ClickHouse.Sink;

/// <summary>Encodes one <c>calljoin_errors</c> row as RowBinary, every column in the order of <see cref="CallJoinErrorsTable.Columns"/>.</summary>
/// <remarks>Stateless and allocation-free (reasons are transcoded into the buffer).</remarks>
public static class ErrorRecordEncoder
{
    /// <summary>The table the records go to.</summary>
    public const string TableName = CallJoinErrorsTable.Name;

    private static readonly string[] s_columnNames = [.. CallJoinErrorsTable.Columns.Select(c => c.Name)];

    /// <summary>The columns written, in order (all of the table's).</summary>
    public static IReadOnlyList<string> ColumnNames => s_columnNames;

    /// <summary>
    /// Appends a join error record: <c>topic</c> is the configured topic of its side (<paramref name="topic"/>),
    /// <c>first_seen</c> its record timestamp, <c>created_at</c> is <paramref name="createdAtMillis"/>, the time it is
    /// written (the table's version and TTL start).
    /// </summary>
    public static void Write(IBufferWriter<byte> output, in JoinError error, string topic, long createdAtMillis) =>
        Write(output, error.Reason, error.Payload, topic, error.Position, error.ProjectId, error.Id, error.TimestampMillis, createdAtMillis);

    /// <summary>Appends one record from its parts.</summary>
    public static void Write(
        IBufferWriter<byte> output, ReadOnlySpan<char> reason, ReadOnlySpan<byte> payload, ReadOnlySpan<char> topic, SourcePosition position,
        ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> callId, long firstSeenMillis, long createdAtMillis)
    {
        var w = new RowBinaryWriter(output);
        w.WriteString(reason);
        w.WriteString(payload);
        w.WriteString(topic);
        w.WriteUInt32(unchecked((uint)position.Partition));
        w.WriteInt64(position.Offset);
        w.WriteString(projectId);
        w.WriteString(callId);
        w.WriteDateTime64Millis(firstSeenMillis);
        w.WriteDateTime64Millis(createdAtMillis);
    }
}
