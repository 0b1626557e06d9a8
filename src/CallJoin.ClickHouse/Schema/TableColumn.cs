namespace CallJoin.ClickHouse.Schema;

/// <summary>A column as declared in DDL: name, ClickHouse type and optional DEFAULT expression.</summary>
public sealed record TableColumn(string Name, string Type, string? Default = null)
{
    /// <summary>The column's DDL fragment, e.g. <c>ended_at DateTime64(6) DEFAULT toDateTime64(0, 6)</c>.</summary>
    public string ToDdl() => Default is null ? $"{Name} {Type}" : $"{Name} {Type} DEFAULT {Default}";
}
