namespace CallJoin.Testing;

/// <summary>Temporary directories for tests, deleted with retries (a just-stopped engine may still hold files).</summary>
public static class TempDirectory
{
    /// <summary>Creates a fresh directory under the system temp path.</summary>
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Deletes the directory and its contents; gives up quietly after a few tries.</summary>
    public static void Delete(string path)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100 * (attempt + 1));
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(100 * (attempt + 1));
            }
        }
    }
}
