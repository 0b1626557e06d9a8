using System.Diagnostics;
using System.Globalization;
using CallJoin.EmbeddedKafka;
using Confluent.Kafka;

namespace CallJoin.Chaos;

public sealed partial class ChaosRun
{
    // Retriable errors a real cluster returns under leader moves, overload and coordinator changes; each fails one request.
    // Only the service's own requests: the service never produces, and Produce errors on the mock cluster made the
    // harness's own publisher lose a message it was told was delivered (a full run was invalid for it).
    private static readonly (KafkaApiKey Api, ErrorCode[] Errors)[] s_requestErrors =
    [
        (KafkaApiKey.Heartbeat, [ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup]),
        (KafkaApiKey.OffsetFetch, [ErrorCode.GroupLoadInProgress]),
        (KafkaApiKey.Fetch, [ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable]),
        (KafkaApiKey.OffsetCommit, [ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup, ErrorCode.RequestTimedOut]),
        (KafkaApiKey.FindCoordinator, [ErrorCode.GroupCoordinatorNotAvailable]),
    ];

    private async Task ApplyAsync(FaultStep step, CancellationToken ct)
    {
        switch (step.Kind)
        {
            case FaultKind.Kill:
                var victims = Live();
                var victim = victims[_random.Next(victims.Length)];
                var slot = victim.Name[..victim.Name.IndexOf('#', StringComparison.Ordinal)];
                victim.Kill();
                Retire(victim, "kill -9");
                _faults = _faults with { Kills = _faults.Kills + 1 };
                var restarted = StartService(slot);
                Log($"kill {step.Number}: kill -9 {victim.Name}, started {restarted.Name}");
                await WaitForGroupAsync($"kill -9 of {victim.Name} and the start of {restarted.Name}", ct).ConfigureAwait(false);
                break;
            case FaultKind.BrokerErrors:
                var queued = 0;
                foreach (var (api, errors) in s_requestErrors)
                {
                    _broker!.PushRequestErrors(api, errors);
                    queued += errors.Length;
                }

                _faults = _faults with { BrokerErrors = _faults.BrokerErrors + queued, BrokerErrorRounds = _faults.BrokerErrorRounds + 1 };
                Log($"broker errors {step.Number}: {queued} request errors queued on Heartbeat, OffsetFetch, Fetch, OffsetCommit and FindCoordinator");
                break;
            case FaultKind.BrokerDown:
                var id = 1 + ((step.Number - 1) % _broker!.BrokerCount);
                Log($"broker down {step.Number}: broker {id} down for {_options.BrokerOutage.TotalSeconds:F0} s");
                _broker.SetBrokerDown(id);
                try
                {
                    await Task.Delay(_options.BrokerOutage, ct).ConfigureAwait(false);
                }
                finally
                {
                    _broker.SetBrokerUp(id);
                }

                _faults = _faults with { BrokerOutages = _faults.BrokerOutages + 1, BrokerDownSeconds = _faults.BrokerDownSeconds + _options.BrokerOutage.TotalSeconds };
                await WaitForGroupAsync($"broker {id} coming back up", ct).ConfigureAwait(false);
                break;
            case FaultKind.ClickHouseOutage:
                Log($"ClickHouse suspended for {_options.ClickHouseOutage.TotalSeconds:F0} s");
                var held = Stopwatch.StartNew();
                await _clickHouse!.SuspendAsync(ct).ConfigureAwait(false);
                try
                {
                    await Task.Delay(_options.ClickHouseOutage, ct).ConfigureAwait(false);
                }
                finally
                {
                    await _clickHouse.ResumeAsync(CancellationToken.None).ConfigureAwait(false);
                }

                _faults = _faults with { ClickHouseOutageSeconds = _faults.ClickHouseOutageSeconds + held.Elapsed.TotalSeconds };
                Log("ClickHouse resumed");
                break;
            case FaultKind.InstanceJoins:
                var joined = StartService(Slot(_options.Instances));
                _faults = _faults with { Joins = _faults.Joins + 1 };
                Log($"join {step.Number}: {joined.Name} joins the group");
                await WaitForGroupAsync($"{joined.Name} joining the group", ct).ConfigureAwait(false);
                break;
            case FaultKind.InstanceLeaves:
                var extra = Slot(_options.Instances);
                var leaving = Live().First(s => s.Name.StartsWith(extra + "#", StringComparison.Ordinal));
                Log($"leave {step.Number}: {leaving.Name} stops gracefully (SIGTERM)");
                var exit = await leaving.StopAsync(_options.WaitBound).ConfigureAwait(false);
                Retire(leaving, exit is { } code ? $"left the group (exit {code})" : "did not stop (killed)");
                if (exit is not 0)
                {
                    _notes.Add($"{leaving.Name} did not stop cleanly on SIGTERM (exit {exit?.ToString(CultureInfo.InvariantCulture) ?? "none: killed"})");
                }

                _faults = _faults with { Leaves = _faults.Leaves + 1 };
                await WaitForGroupAsync($"{leaving.Name} leaving the group", ct).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "unknown fault");
        }
    }

    /// <summary>Waits until <paramref name="fraction"/> of the messages are published (or publishing has ended).</summary>
    private static async Task WaitForPublishedAsync(PacedPublisher publisher, Task publishing, double fraction, CancellationToken ct)
    {
        while (publisher.Fraction < fraction && !publishing.IsCompleted)
        {
            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        if (publishing.IsFaulted)
        {
            await publishing.ConfigureAwait(false);   // rethrows why publishing failed
        }
    }

    /// <summary>
    /// Waits until more rows have been written than at the previous fault, so each fault hits a service that is making
    /// progress (once every message is handed to the producer there may be nothing left to write: then it goes ahead).
    /// </summary>
    private async Task<long> WaitForProgressAsync(long landed, PacedPublisher publisher, FaultStep step, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var rows = await TryCountAsync($"SELECT count() FROM {Database}.calls_complete", ct).ConfigureAwait(false);
            if (rows > landed || (rows is not null && publisher.Fraction >= 1))
            {
                return rows.Value;
            }

            if (deadline.Elapsed > _options.WaitBound)
            {
                throw new ChaosException($"before {step.Kind} {step.Number}: no new rows in calls_complete within {_options.WaitBound.TotalSeconds:F0} s "
                    + $"(still {landed:N0}); members {string.Join(' ', Live().Select(s => s.Name))}; logs in {_directory}");
            }

            await Task.Delay(250, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until every live member answers and reads a share of the partitions, and the members read every partition
    /// exactly once between them: the group has settled after a membership change. A member that exited by itself is noted and started again.
    /// </summary>
    private async Task WaitForGroupAsync(string after, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        string state = "";
        while (deadline.Elapsed < _options.WaitBound)
        {
            ReviveExited();
            var answers = await Task.WhenAll(Live().Select(async s => (s.Name, Readiness: await s.ReadinessAsync(ct).ConfigureAwait(false)))).ConfigureAwait(false);
            var held = answers.Where(a => a.Readiness is not null).SelectMany(a => a.Readiness!.Partitions).ToList();
            // Every member reads some partitions (the range assignor gives each of at most 3 members a share), so a
            // member that just started counts only once the rebalance it triggers has assigned it its share.
            if (answers.All(a => a.Readiness is { Partitions.Count: > 0 }) && held.Count == _options.Partitions && held.Distinct().Count() == _options.Partitions)
            {
                return;
            }

            state = string.Join(", ", answers.Select(a => a.Readiness is { } r ? $"{a.Name} reads {r.Partitions.Count}" : $"{a.Name} not answering"));
            await Task.Delay(250, ct).ConfigureAwait(false);
        }

        throw new ChaosException($"after {after}: the group did not settle (every partition read by exactly one member) within "
            + $"{_options.WaitBound.TotalSeconds:F0} s: {state}; logs in {_directory}");
    }

    /// <summary>Starts again any member that exited without being told to (a crash is a finding: it goes into the notes).</summary>
    private void ReviveExited()
    {
        foreach (var service in Live().Where(s => s.HasExited))
        {
            var slot = service.Name[..service.Name.IndexOf('#', StringComparison.Ordinal)];
            if ((_selfExits[slot] = _selfExits.GetValueOrDefault(slot) + 1) > 3)
            {
                throw new ChaosException($"service slot {slot} exited by itself {_selfExits[slot]} times; the last ({service.Name}, exit "
                    + $"{service.ExitCode?.ToString(CultureInfo.InvariantCulture)}) wrote: {service.LogTail()}");
            }

            _notes.Add($"service {service.Name} exited by itself with code {service.ExitCode?.ToString(CultureInfo.InvariantCulture)}; started again (see its log)");
            Retire(service, $"exited by itself ({service.ExitCode?.ToString(CultureInfo.InvariantCulture)})");
            StartService(slot);
        }
    }
}
