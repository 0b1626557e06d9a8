namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Writes child processes' output to the test's output when disposed: the runner shows it if the test failed.</summary>
internal sealed class OutputOnFailure(Func<string> output) : IDisposable
{
    public void Dispose() => TestContext.Current.TestOutputHelper?.WriteLine(output());
}
