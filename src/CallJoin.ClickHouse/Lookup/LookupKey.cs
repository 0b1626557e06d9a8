using System.Text;

namespace CallJoin.ClickHouse.Lookup;

/// <summary>A call's key as both tables store it: project_id and the call id (<c>id</c> / <c>call_id</c>), UTF-8.</summary>
/// <remarks>Holds the caller's memory without copying it: keep it unchanged until the lookup returns.</remarks>
public readonly struct LookupKey
{
    public LookupKey(ReadOnlyMemory<byte> projectId, ReadOnlyMemory<byte> id) => (ProjectId, Id) = (projectId, id);

    /// <summary>The project_id, UTF-8.</summary>
    public ReadOnlyMemory<byte> ProjectId { get; }

    /// <summary>The call id, UTF-8.</summary>
    public ReadOnlyMemory<byte> Id { get; }

    /// <summary>A key from text (tests, tools).</summary>
    public static LookupKey From(string projectId, string id) => new(Encoding.UTF8.GetBytes(projectId), Encoding.UTF8.GetBytes(id));

    public override string ToString() => $"{Encoding.UTF8.GetString(ProjectId.Span)}/{Encoding.UTF8.GetString(Id.Span)}";
}
