namespace CallJoin.State.Tests;

/// <summary>A fresh folder under the temp path for one test, deleted (with retries) on dispose.</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory() =>
        Path = Directory.CreateDirectory(
            System.IO.Path.Combine(System.IO.Path.GetTempPath(), "calljoin-state-tests", Guid.NewGuid().ToString("N"))).FullName;

    public string Path { get; }

    public void Dispose()
    {
        // Log files can still be held for a moment by a device's handles; retry rather than fail the test.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(Path))
                {
                    Directory.Delete(Path, recursive: true);
                }

                return;
            }
            catch (Exception e) when (attempt < 10 && e is IOException or UnauthorizedAccessException)
            {
                Thread.Yield();
            }
        }
    }
}
