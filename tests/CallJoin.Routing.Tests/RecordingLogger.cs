using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CallJoin.Routing.Tests;

/// <summary>Keeps every log line (level, event id, message).</summary>
internal sealed class RecordingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Lines.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
        Logged?.Invoke(eventId.Id);
    }

    /// <summary>Raised after each line, with its event id (on the logging thread).</summary>
    public event Action<int>? Logged;

    /// <summary>Completes when a line with <paramref name="eventId"/> is logged (or already was).</summary>
    public Task WhenLoggedAsync(int eventId)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Logged += id =>
        {
            if (id == eventId)
            {
                seen.TrySetResult();
            }
        };
        if (Lines.Any(l => l.EventId == eventId))
        {
            seen.TrySetResult();
        }

        return seen.Task;
    }
}
