using CallJoin.Testing;

namespace CallJoin.Migration.Tests.Validation;

/// <summary>A temporary directory for one test's report files, deleted afterwards.</summary>
internal sealed class TempReportDirectory : IDisposable
{
    public string Path { get; } = TempDirectory.Create("calljoin-validate-report");

    public void Dispose() => TempDirectory.Delete(Path);
}
