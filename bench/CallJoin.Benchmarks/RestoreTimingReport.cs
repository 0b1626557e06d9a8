using System.Diagnostics;
using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.State;

namespace CallJoin.Benchmarks;

/// <summary>
/// The restart path's cost with many open halves: a FASTER store (default 256 MiB budget) holding N waiting starts is
/// checkpointed, then reopened and its timers restored, each step timed. Run: <c>-- restore-timing [N]</c>.
/// </summary>
internal static class RestoreTimingReport
{
    public static void Run(int halves, TextWriter output)
    {
        var directory = Path.Combine(Path.GetTempPath(), "calljoin-restore-timing-" + Guid.NewGuid().ToString("N"));
        var options = new PendingStoreOptions { Directory = directory };
        var join = new JoinOptions { LatePartners = LatePartnerSource.Lookup, StartTimeout = TimeSpan.FromHours(2) };
        const long t0 = 1_767_225_600_000;
        try
        {
            var clock = Stopwatch.StartNew();
            using (var store = new FasterPendingStore(options))
            {
                var engine = new JoinEngine<NullOutput>(store, join, new NullOutput(), new NoLookups());
                var padding = new string('x', 180);
                for (var i = 0; i < halves; i++)
                {
                    var start = Encoding.UTF8.GetBytes("{\"project_id\":\"proj\",\"id\":\"" + i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + "\",\"op_name\":\"op\",\"started_at\":\"2026-01-01T00:00:00Z\",\"attributes\":{},\"inputs\":{\"p\":\"" + padding + "\"}}");
                    engine.Process(CallSide.Start, start, new SourcePosition(i % 96, i / 96), t0 + (i / 1000));
                }

                output.WriteLine($"filled {halves:N0} halves in {clock.Elapsed.TotalSeconds:F1} s; {store.Stats}");
                clock.Restart();
                store.Checkpoint("positions"u8);
                output.WriteLine($"checkpoint: {clock.Elapsed.TotalSeconds:F2} s");
            }

            clock.Restart();
            using var recovered = new FasterPendingStore(options with { RecoverLatest = true });
            output.WriteLine($"recover: {clock.Elapsed.TotalSeconds:F2} s ({recovered.Stats})");
            clock.Restart();
            var restored = new JoinEngine<NullOutput>(recovered, join, new NullOutput(), new NoLookups());
            List<(CallSide, SourcePosition)> unreleased = [];
            var kept = restored.RestoreTimers(t0 + (halves / 1000), _ => true, unreleased);
            output.WriteLine($"restore timers: {clock.Elapsed.TotalSeconds:F2} s for {kept:N0} keys, {unreleased.Count:N0} unreleased ({recovered.Stats})");
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private sealed class NullOutput : IJoinOutput
    {
        public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
        {
        }

        public void OnError(in JoinError error)
        {
        }

        public void OnReleased(CallSide side, SourcePosition position)
        {
        }
    }

    private sealed class NoLookups : ILatePartnerLookup
    {
        public void Request(CallSide side, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id)
        {
        }
    }
}
