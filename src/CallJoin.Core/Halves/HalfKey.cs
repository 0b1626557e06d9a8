using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// What <see cref="HalfParser.TryReadKey"/> finds in a half: its join key (project_id, id), its own timestamp, and on
/// failure the field at fault. Reused across messages; spans are valid until the next read.
/// </summary>
/// <remarks>Not thread-safe: one per consuming thread.</remarks>
public sealed class HalfKey
{
    private readonly ByteBuffer _projectId = new(64);
    private readonly ByteBuffer _id = new(64);

    /// <summary>The project_id, unescaped UTF-8; empty if absent (after a failure, whatever was read before it).</summary>
    public ReadOnlySpan<byte> ProjectId => _projectId.Written;

    /// <summary>The call id, unescaped UTF-8; empty if absent (after a failure, whatever was read before it).</summary>
    public ReadOnlySpan<byte> Id => _id.Written;

    /// <summary>started_at (start) or ended_at (end) in microseconds since the Unix epoch, UTC.</summary>
    public long TimestampMicros { get; internal set; }

    /// <summary>An end's optional started_at in microseconds since the Unix epoch, UTC; 0 when absent, unreadable, or a start.</summary>
    public long EndStartedAtMicros { get; internal set; }

    /// <summary>The field the last failure is about (<see cref="HalfField.None"/> for the payload as a whole).</summary>
    public HalfField ErrorField { get; internal set; }

    internal ByteBuffer ProjectIdBuffer => _projectId;

    internal ByteBuffer IdBuffer => _id;

    internal ByteBuffer Scratch { get; } = new(64);

    /// <summary>The error-record reason for <paramref name="status"/> as returned by the last read (<c>missing_field:id</c>).</summary>
    public string Reason(HalfParseStatus status) => HalfParser.ReasonText(status, ErrorField);

    internal void Reset()
    {
        _projectId.Clear();
        _id.Clear();
        TimestampMicros = 0;
        EndStartedAtMicros = 0;
        ErrorField = HalfField.None;
    }
}
