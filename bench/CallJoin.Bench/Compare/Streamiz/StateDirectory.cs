namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>The folder Streamiz keeps its stores in: the one given, or a fresh temporary one deleted when disposed.</summary>
internal sealed class StateDirectory : IDisposable
{
    private readonly bool _owned;

    public StateDirectory(string? path)
    {
        _owned = path is null;
        Path = path ?? Directory.CreateTempSubdirectory("calljoin-streamiz-").FullName;
    }

    public string Path { get; }

    public void Dispose()
    {
        if (!_owned)
        {
            return;
        }

        // RocksDB may still hold a file for a moment after the driver closes; a leftover temp folder is harmless.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }
}
