namespace CallJoin.Migration.Validation;

/// <summary>
/// Joins one day's sampled calls from both sides in memory, chunk by chunk: counts per project the calls compared and
/// those that differ, and keeps the first few mismatches (in sample order) for the report.
/// </summary>
internal sealed class SampleComparison(DateOnly day, int maxListed, int columns)
{
    private readonly Dictionary<string, (long Compared, long Mismatches)> _byProject = new(StringComparer.Ordinal);
    private readonly List<CallMismatch> _listed = [];

    /// <summary>The listed mismatches, fields without values (filled in later from a bulk read).</summary>
    public IReadOnlyList<CallMismatch> Listed => _listed;

    /// <summary>(calls compared, mismatching calls) of <paramref name="project"/>.</summary>
    public (long Compared, long Mismatches) For(string project) => _byProject.GetValueOrDefault(project);

    /// <summary>
    /// Adds one chunk: each side's calls in sample order, at most <paramref name="limit"/> each (0: no limit). The
    /// sample is the first <paramref name="limit"/> calls of both lists merged; each side's list holds its own first
    /// calls, so a call of the merged sample absent from a side's list is absent from that side.
    /// </summary>
    public void Add(IReadOnlyList<SampledCall> merged, IReadOnlyList<SampledCall> complete, int limit)
    {
        var legacy = merged.ToDictionary(c => c.Key);
        var current = new Dictionary<CallKeyText, (SampledCall First, int Rows)>();
        foreach (var call in complete)
        {
            current[call.Key] = current.TryGetValue(call.Key, out var seen) ? (seen.First, seen.Rows + 1) : (call, 1);
        }

        var sample = legacy.Values.Concat(current.Values.Select(v => v.First))
            .DistinctBy(c => c.Key)
            .OrderBy(c => c.Pick).ThenBy(c => c.Key.ProjectId, StringComparer.Ordinal).ThenBy(c => c.Key.Id, StringComparer.Ordinal);
        foreach (var call in limit > 0 ? sample.Take(limit) : sample)
        {
            var inMerged = legacy.TryGetValue(call.Key, out var m);
            var inComplete = current.TryGetValue(call.Key, out var c);
            var mismatch = (inMerged, inComplete) switch
            {
                (true, false) => Mismatch(call.Key, CallMismatchKind.MissingInComplete, []),
                (false, true) => Mismatch(call.Key, CallMismatchKind.MissingInMerged, []),
                _ when c.Rows > 1 => Mismatch(call.Key, CallMismatchKind.DuplicateInComplete, []),
                _ => Compare(m!, c.First),
            };

            var (compared, mismatches) = _byProject.GetValueOrDefault(call.Key.ProjectId);
            _byProject[call.Key.ProjectId] = (compared + (inMerged && inComplete && c.Rows == 1 ? 1 : 0), mismatches + (mismatch is null ? 0 : 1));
            if (mismatch is not null && _listed.Count < maxListed)
            {
                _listed.Add(mismatch);
            }
        }
    }

    private CallMismatch? Compare(SampledCall merged, SampledCall complete)
    {
        List<FieldDifference>? fields = null;
        for (var i = 0; i < columns; i++)
        {
            if (merged.Hashes[i] != complete.Hashes[i])
            {
                (fields ??= []).Add(new FieldDifference(ValidationQueries.Columns[i].Name, null, null));
            }
        }

        return fields is null ? null : Mismatch(merged.Key, CallMismatchKind.FieldsDiffer, fields);
    }

    private CallMismatch Mismatch(CallKeyText key, CallMismatchKind kind, IReadOnlyList<FieldDifference> fields) => new(day, key, kind, fields);
}
