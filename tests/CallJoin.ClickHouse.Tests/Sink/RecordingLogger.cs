using Microsoft.Extensions.Logging;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>Keeps every log entry (event id, level, message) so a test can check what the sink reported.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(int EventId, LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }

    public IEnumerable<string> Messages(int eventId) => Entries.Where(e => e.EventId == eventId).Select(e => e.Message);
}
