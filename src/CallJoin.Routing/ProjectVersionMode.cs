namespace CallJoin.Routing;

/// <summary>
/// Upstream's <c>PROJECT_VERSION_MODE</c> (weave/trace_server/project_version): how a server picks the calls table from
/// where a project's data resides. Only the read side matters here.
/// </summary>
public enum ProjectVersionMode
{
    /// <summary><c>auto</c>: calls_complete unless the project's data is in calls_merged only.</summary>
    Auto,

    /// <summary><c>force_legacy</c>: calls_merged always.</summary>
    ForceLegacy,

    /// <summary><c>dual_write_read_merged</c>: calls_merged, unless the project's data is in calls_complete only.</summary>
    DualWriteReadMerged,

    /// <summary><c>dual_write_read_complete</c>: as <see cref="Auto"/> for reads.</summary>
    DualWriteReadComplete,

    /// <summary><c>off</c>: calls_merged, without looking at residence (no database query).</summary>
    Off,
}
