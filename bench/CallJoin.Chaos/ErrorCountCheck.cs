namespace CallJoin.Chaos;

/// <summary>One reason of calljoin_errors under FINAL against the workload's expectation.</summary>
/// <param name="Reason">The record's reason, e.g. <c>malformed_json</c> or <c>start_missing</c>.</param>
/// <param name="Actual">Records under FINAL.</param>
/// <param name="ExpectedMin">The fewest the workload implies (exact for malformed reasons).</param>
/// <param name="ExpectedMax">The most: for start_missing, orphan ends plus late starts.</param>
public sealed record ErrorCountCheck(string Reason, long Actual, long ExpectedMin, long ExpectedMax)
{
    public string Expected => ExpectedMin == ExpectedMax ? ExpectedMin.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ExpectedMin:N0}–{ExpectedMax:N0}");

    /// <summary>ok, missing, or excess; extra start_missing records are the known group-mode re-read limitation, not a loss.</summary>
    public string Verdict => Actual < ExpectedMin ? "MISSING"
        : Actual <= ExpectedMax ? "ok"
        : Reason == "start_missing" ? $"excess {Actual - ExpectedMax:N0}: re-read ends after a rebalance (known group-mode limitation)"
        : $"EXCESS {Actual - ExpectedMax:N0}";
}
