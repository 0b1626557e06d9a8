namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>Finds <c>libchdb.so</c>: <c>CALLJOIN_CHDB_LIBRARY</c>, else the pinned npm install under <c>eng/chdb</c>.</summary>
public static class ChdbLibraryLocator
{
    /// <summary>The environment variable that names the library file explicitly (e.g. in a container image).</summary>
    public const string Variable = "CALLJOIN_CHDB_LIBRARY";

    private const string NpmRelativePath = "eng/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so";

    /// <summary>The library's path; throws with the remedy when it is not installed.</summary>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } explicitPath)
        {
            return File.Exists(explicitPath)
                ? explicitPath
                : throw new FileNotFoundException($"{Variable} names '{explicitPath}', which does not exist.", explicitPath);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, NpmRelativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException(
            $"The chDB engine (libchdb.so) is not installed. Run 'bash eng/install-chdb.sh' in the repository, or set {Variable}.");
    }
}
