using System.CommandLine;
using System.Globalization;
using CallJoin.Workload;

namespace CallJoin.Cli;

/// <summary><c>calljoin produce</c>'s workload options, resolved into <see cref="WorkloadOptions"/>.</summary>
internal sealed class WorkloadOptionSet
{
    private static readonly WorkloadOptions s_defaults = new();

    private readonly Option<int> _calls = CliOptions.Int("--calls", 100_000, "calls to generate", min: 0);
    private readonly Option<int> _seed = CliOptions.Int("--seed", s_defaults.Seed, "the generator's seed: the same options give the same bytes");
    private readonly Option<int> _projects = CliOptions.Int("--projects", s_defaults.Projects, "projects the calls belong to", min: 1);
    private readonly Option<string?> _epoch = CliOptions.Text("--epoch", "ISO-8601|now",
        "the first record timestamp (default 2026-01-01T00:00:00Z); now: all in the past, ending now");
    private readonly Option<TimeSpan> _span = CliOptions.Duration("--span", s_defaults.Span, "record timestamps spread over this");
    private readonly Option<double?> _endBeforeStart = CliOptions.Fraction("--end-before-start", s_defaults.EndBeforeStart, "calls whose end arrives first");
    private readonly Option<double?> _duplicates = CliOptions.Fraction("--duplicates", s_defaults.DuplicateHalf, "calls with a redelivered half");
    private readonly Option<double?> _orphanEnds = CliOptions.Fraction("--orphan-ends", s_defaults.OrphanEnd, "calls without a start");
    private readonly Option<double?> _neverEnds = CliOptions.Fraction("--never-ends", s_defaults.NeverEnds, "calls without an end");
    private readonly Option<double?> _longRunning = CliOptions.Fraction("--long-running", s_defaults.LongRunning, "long-running calls");
    private readonly Option<double?> _lateStarts = CliOptions.Fraction("--late-starts", s_defaults.LateStart, "calls whose start comes late");
    private readonly Option<double?> _malformed = CliOptions.Fraction("--malformed", s_defaults.Malformed, "calls with a malformed companion");
    private readonly Option<bool> _clean = CliOptions.Flag("--clean", "set the seven fractions above to 0 (unless given)");
    private readonly Option<double?> _mediumPayloads = CliOptions.Fraction("--medium-payloads", s_defaults.MediumPayloads, "calls with payloads of tens of KB");
    private readonly Option<double?> _largePayloads = CliOptions.Fraction("--large-payloads", s_defaults.LargePayloads, "calls with payloads of hundreds of KB");
    private readonly Option<int> _maxPayloadBytes = CliOptions.Int("--max-payload-bytes", s_defaults.MaxPayloadBytes, "the largest payload in bytes", min: 1);
    private readonly Option<TimeSpan> _maxCallDuration = CliOptions.Duration("--max-call-duration", s_defaults.MaxCallDuration, "the longest ordinary call");
    private readonly Option<bool> _compact = CliOptions.Flag("--compact", "ordinary halves of 100-300 bytes instead of 450-1,800 (no otel_dump, short attributes)");
    private readonly Option<TimeSpan> _longRunningAfter = CliOptions.Duration("--long-running-after", s_defaults.LongRunningAfter, "how long a long-running call runs at least");

    public WorkloadOptionSet() =>
        _epoch.Validators.Add(r =>
        {
            if (r.ValidValue(_epoch) is { } text && text != "now" && ParseEpoch(text) is null)
            {
                r.AddError($"--epoch expects an ISO-8601 date-time or 'now', got '{text}'.");
            }
        });

    /// <summary>Adds every workload option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            _calls, _seed, _projects, _epoch, _span, _endBeforeStart, _duplicates, _orphanEnds, _neverEnds, _longRunning, _lateStarts,
            _malformed, _clean, _mediumPayloads, _largePayloads, _maxPayloadBytes, _maxCallDuration, _longRunningAfter, _compact,
        })
        {
            command.Add(option);
        }
    }

    /// <summary>The workload the parsed options describe; <c>--clean</c> zeroes the anomaly fractions not given.</summary>
    public WorkloadOptions Resolve(ParseResult parse)
    {
        var clean = parse.GetValue(_clean);
        double Anomaly(Option<double?> option, double fallback) => parse.GetValue(option) ?? (clean ? 0 : fallback);
        var workload = s_defaults with
        {
            Calls = parse.GetValue(_calls),
            Seed = parse.GetValue(_seed),
            Projects = parse.GetValue(_projects),
            Span = parse.GetValue(_span),
            EndBeforeStart = Anomaly(_endBeforeStart, s_defaults.EndBeforeStart),
            DuplicateHalf = Anomaly(_duplicates, s_defaults.DuplicateHalf),
            OrphanEnd = Anomaly(_orphanEnds, s_defaults.OrphanEnd),
            NeverEnds = Anomaly(_neverEnds, s_defaults.NeverEnds),
            LongRunning = Anomaly(_longRunning, s_defaults.LongRunning),
            LateStart = Anomaly(_lateStarts, s_defaults.LateStart),
            Malformed = Anomaly(_malformed, s_defaults.Malformed),
            MediumPayloads = parse.GetValue(_mediumPayloads) ?? s_defaults.MediumPayloads,
            LargePayloads = parse.GetValue(_largePayloads) ?? s_defaults.LargePayloads,
            MaxPayloadBytes = parse.GetValue(_maxPayloadBytes),
            MaxCallDuration = parse.GetValue(_maxCallDuration),
            LongRunningAfter = parse.GetValue(_longRunningAfter),
            CompactHalves = parse.GetValue(_compact),
        };
        return parse.GetValue(_epoch) switch
        {
            null => workload,
            "now" => workload with { Epoch = DateTimeOffset.UtcNow - (workload.Span + (2 * workload.LongRunningAfter) + workload.MaxCallDuration) },
            var text => workload with { Epoch = ParseEpoch(text)!.Value },
        };
    }

    private static DateTimeOffset? ParseEpoch(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
