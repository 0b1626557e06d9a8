using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CallJoin.Routing.Tests;

/// <summary>Records the measurements of one meter's long counters, by instrument name and tags.</summary>
internal sealed class MeasurementLog : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, long Value, Dictionary<string, string?> Tags)> _seen = new();

    public MeasurementLog(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value?.ToString();
            }

            _seen.Enqueue((instrument.Name, value, map));
        });
        _listener.Start();
    }

    /// <summary>The sum recorded on <paramref name="name"/> with the tag <paramref name="key"/> = <paramref name="value"/>.</summary>
    public long Sum(string name, string key, string value) =>
        _seen.Where(m => m.Name == name && m.Tags.TryGetValue(key, out var v) && v == value).Sum(m => m.Value);

    /// <summary>The sum recorded on <paramref name="name"/> whatever the tags.</summary>
    public long Sum(string name) => _seen.Where(m => m.Name == name).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
