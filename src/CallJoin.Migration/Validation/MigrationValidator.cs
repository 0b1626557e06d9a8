using System.Globalization;
using ClickHouse.Driver;

namespace CallJoin.Migration.Validation;

/// <summary>
/// Compares calls_merged (the legacy path) with calls_complete (the new path) day by day and project by project:
/// counts of complete, running and end-only calls, and the columns of a sample of calls; writes a verdict per
/// (day, project) into migration_validation.
/// </summary>
/// <remarks>
/// Every query is per side and per day (or per chunk of a day): never per call. The sample is the calls with the
/// smallest <c>cityHash64(project_id, id)</c>, taken from each side and merged, so both sides name the same calls and
/// a call missing on one side shows as missing. Columns are compared by SipHash of their normalized values
/// (<see cref="ComparedColumn"/>); the values themselves are read only for the calls listed in the report.
/// Not thread-safe; one run at a time.
/// </remarks>
public sealed class MigrationValidator(ClickHouseClient client, ValidationOptions options, IProgress<string>? progress = null)
{
    private readonly ValidationQueries _sql = new(options);
    private readonly QueryOptions _read = QueryMemoryBudget.Options(options.MaxQueryMemoryBytes);

    /// <summary>Runs the comparison over every day of the range and returns what it found.</summary>
    public async Task<ValidationReport> RunAsync(CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        options.Validate();
        var checkedAt = DateTimeOffset.UtcNow;
        var earlier = options.WriteVerdicts ? await EarlierVerdictsAsync(ct).ConfigureAwait(false) : [];
        var verdicts = new List<DayProjectVerdict>();
        var listed = new List<CallMismatch>();
        for (var day = options.From; day <= options.To; day = day.AddDays(1))
        {
            var (dayVerdicts, dayListed) = await ValidateDayAsync(day, earlier, ct).ConfigureAwait(false);
            if (options.WriteVerdicts && dayVerdicts.Count > 0)
            {
                // Per day, so an interrupted run keeps the verdicts of the days it finished.
                await client.ExecuteNonQueryAsync(_sql.InsertVerdicts(dayVerdicts), cancellationToken: ct).ConfigureAwait(false);
            }

            verdicts.AddRange(dayVerdicts);
            listed.AddRange(dayListed);
            var bad = dayVerdicts.Count(v => !v.Consistent);
            progress?.Report(dayVerdicts.Count == 0
                ? string.Create(CultureInfo.InvariantCulture, $"{day:yyyy-MM-dd}: no calls on either side")
                : string.Create(CultureInfo.InvariantCulture,
                    $"{day:yyyy-MM-dd}: {dayVerdicts.Count} project(s), {dayVerdicts.Sum(v => v.CallsCompared)} call(s) compared, " +
                    $"{(bad == 0 ? "consistent" : $"{bad} with mismatches")}"));
        }

        return new ValidationReport(options, checkedAt, verdicts, listed);
    }

    private async Task<(List<DayProjectVerdict> Verdicts, List<CallMismatch> Listed)> ValidateDayAsync(
        DateOnly day, HashSet<(DateOnly Day, string ProjectId)> earlier, CancellationToken ct)
    {
        var merged = await CountsAsync(_sql.MergedCounts(day), 3, ct).ConfigureAwait(false);
        var complete = await CountsAsync(_sql.CompleteCounts(day), 2, ct).ConfigureAwait(false);
        var startMissing = await CountsAsync(_sql.StartMissingCounts(day), 1, ct).ConfigureAwait(false);

        var projects = new SortedSet<string>(StringComparer.Ordinal);
        projects.UnionWith(merged.Keys);
        projects.UnionWith(complete.Keys);
        projects.UnionWith(startMissing.Keys);
        projects.UnionWith(earlier.Where(e => e.Day == day).Select(e => e.ProjectId));
        if (options.ProjectId is not null)
        {
            projects.Add(options.ProjectId);
        }

        var comparison = new SampleComparison(day, options.MaxListedPerDay, ValidationQueries.Columns.Count);
        if (options.Sample > 0)
        {
            await CompareChunkAsync(comparison, day, options.Sample, bucket: null, ct).ConfigureAwait(false);
        }
        else
        {
            // Every call: split the day by id hash so one query per side reads at most about ChunkRows calls.
            var largest = Math.Max(merged.Values.Sum(c => (double)c[0] + c[1]), complete.Values.Sum(c => (double)c[0] + c[1]));
            var buckets = (int)Math.Clamp(Math.Ceiling(largest / options.ChunkRows), 1, int.MaxValue);
            for (var i = 0; i < buckets; i++)
            {
                await CompareChunkAsync(comparison, day, 0, buckets == 1 ? null : (buckets, i), ct).ConfigureAwait(false);
            }
        }

        var listed = await WithValuesAsync(day, comparison.Listed, ct).ConfigureAwait(false);
        var verdicts = new List<DayProjectVerdict>(projects.Count);
        foreach (var project in projects)
        {
            var m = merged.GetValueOrDefault(project, new ulong[3]);
            var c = complete.GetValueOrDefault(project, new ulong[2]);
            var s = startMissing.GetValueOrDefault(project, new ulong[1]);
            var (compared, mismatches) = comparison.For(project);
            verdicts.Add(new DayProjectVerdict(day, project, new CallClassCounts(m[0], m[1], m[2]), new CallClassCounts(c[0], c[1], s[0]),
                compared, compared * ValidationQueries.Columns.Count, mismatches));
        }

        return (verdicts, listed);
    }

    private async Task CompareChunkAsync(SampleComparison comparison, DateOnly day, int limit, (int, int)? bucket, CancellationToken ct)
    {
        var merged = await SampleAsync(_sql.MergedSample(day, limit, bucket), ct).ConfigureAwait(false);
        var complete = await SampleAsync(_sql.CompleteSample(day, limit, bucket), ct).ConfigureAwait(false);
        comparison.Add(merged, complete, limit);
    }

    /// <summary>Reads both sides' values for the listed calls whose fields differ (one query per side) and fills them in.</summary>
    private async Task<List<CallMismatch>> WithValuesAsync(DateOnly day, IReadOnlyList<CallMismatch> listed, CancellationToken ct)
    {
        var keys = listed.Where(m => m.Kind == CallMismatchKind.FieldsDiffer).Select(m => m.Key).ToList();
        if (keys.Count == 0)
        {
            return [.. listed];
        }

        var mergedValues = await ValuesAsync(_sql.MergedValues(keys), ct).ConfigureAwait(false);
        var completeValues = await ValuesAsync(_sql.CompleteValues(day, keys), ct).ConfigureAwait(false);
        var names = ValidationQueries.Columns.Select(c => c.Name).ToList();
        return listed.Select(m =>
        {
            if (m.Kind != CallMismatchKind.FieldsDiffer)
            {
                return m;
            }

            var mv = mergedValues.GetValueOrDefault(m.Key);
            var cv = completeValues.GetValueOrDefault(m.Key);
            var fields = m.Fields.Select(f =>
            {
                var i = names.IndexOf(f.Field);
                return f with { Merged = mv?[i], Complete = cv?[i] };
            }).ToList();
            return m with { Fields = fields };
        }).ToList();
    }

    /// <summary>Rows of (project, count...) into a map by project.</summary>
    private async Task<Dictionary<string, ulong[]>> CountsAsync(string sql, int counts, CancellationToken ct)
    {
        var result = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
        using var reader = await client.ExecuteReaderAsync(sql, null, _read, ct).ConfigureAwait(false);
        while (reader.Read())
        {
            var values = new ulong[counts];
            for (var i = 0; i < counts; i++)
            {
                values[i] = Convert.ToUInt64(reader.GetValue(i + 1), CultureInfo.InvariantCulture);
            }

            result[reader.GetString(0)] = values;
        }

        return result;
    }

    private async Task<List<SampledCall>> SampleAsync(string sql, CancellationToken ct)
    {
        var columns = ValidationQueries.Columns.Count;
        var result = new List<SampledCall>();
        using var reader = await client.ExecuteReaderAsync(sql, null, _read, ct).ConfigureAwait(false);
        while (reader.Read())
        {
            var hashes = new ulong[columns];
            for (var i = 0; i < columns; i++)
            {
                hashes[i] = Convert.ToUInt64(reader.GetValue(3 + i), CultureInfo.InvariantCulture);
            }

            result.Add(new SampledCall(
                new CallKeyText(reader.GetString(0), reader.GetString(1)),
                Convert.ToUInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                hashes));
        }

        return result;
    }

    private async Task<Dictionary<CallKeyText, string[]>> ValuesAsync(string sql, CancellationToken ct)
    {
        var columns = ValidationQueries.Columns.Count;
        var result = new Dictionary<CallKeyText, string[]>();
        using var reader = await client.ExecuteReaderAsync(sql, null, _read, ct).ConfigureAwait(false);
        while (reader.Read())
        {
            var values = new string[columns];
            for (var i = 0; i < columns; i++)
            {
                values[i] = reader.GetString(2 + i);
            }

            // A duplicated calls_complete call shows its first row; the duplicate is reported as its own kind.
            result.TryAdd(new CallKeyText(reader.GetString(0), reader.GetString(1)), values);
        }

        return result;
    }

    private async Task<HashSet<(DateOnly Day, string ProjectId)>> EarlierVerdictsAsync(CancellationToken ct)
    {
        var result = new HashSet<(DateOnly Day, string ProjectId)>();
        using var reader = await client.ExecuteReaderAsync(_sql.EarlierVerdicts(), null, _read, ct).ConfigureAwait(false);
        while (reader.Read())
        {
            result.Add((DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture), reader.GetString(1)));
        }

        return result;
    }
}
