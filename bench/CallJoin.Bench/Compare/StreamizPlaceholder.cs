namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>streamiz</c>: a place in the table for a Streamiz.Kafka.Net join of the same topics. Not built in this harness
/// yet; a class implementing <see cref="ICompareContender"/> under this name replaces this one in
/// <see cref="CompareRun.Contenders"/>.
/// </summary>
internal sealed class StreamizPlaceholder : ICompareContender
{
    public string Name => "streamiz";

    public Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct) =>
        Task.FromResult(new ContenderResult { Name = Name, Variant = data.Variant, Correct = false, Ran = false, Note = "not built in this harness yet" });
}
