using System.Globalization;

namespace CallJoin.Cli;

/// <summary>
/// The long commands' progress display: on a terminal one line redrawn in place with a bar, the count, the rate and the
/// ETA; when output is redirected (tests, CI, logs) a plain line at most every few seconds. The bar and ETA appear
/// only when the work has a known total (a dump's size in bytes, the planned messages); otherwise rate and count.
/// </summary>
/// <remarks>Thread-safe: a command's work may report from another thread than the one that writes its lines.</remarks>
internal sealed class ConsoleProgress
{
    private const int BarWidth = 24;

    private readonly Lock _gate = new();
    private readonly string _label;
    private readonly string _unit;
    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly TimeProvider _time;
    private readonly long _started;
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private bool _lineOpen;

    /// <summary>Creates a display for <paramref name="label"/>'s work, counted in <paramref name="unit"/>.</summary>
    /// <param name="label">The command, e.g. <c>replay</c>; starts every plain line.</param>
    /// <param name="unit">What the count counts, plural, e.g. <c>records</c>.</param>
    /// <param name="output">Where it writes (standard error, so it never mixes with a command's data on standard output).</param>
    /// <param name="interactive">Redraw one line in place (a terminal) rather than print plain lines.</param>
    /// <param name="time">The clock; the system's by default.</param>
    public ConsoleProgress(string label, string unit, TextWriter output, bool interactive, TimeProvider? time = null)
    {
        _label = label;
        _unit = unit;
        _output = output;
        _interactive = interactive;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
    }

    /// <summary>The least time between two redraws on a terminal.</summary>
    public TimeSpan InteractiveEvery { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The least time between two plain lines when output is redirected.</summary>
    public TimeSpan PlainEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The terminal's width, to cut a redrawn line to; 0 when unknown (nothing is cut).</summary>
    public Func<int> Width { get; init; } = () => 0;

    /// <summary>A display on standard error, redrawn in place when standard error is a terminal.</summary>
    public static ConsoleProgress OnStandardError(string label, string unit) =>
        new(label, unit, Console.Error, interactive: !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb")
        {
            Width = TerminalWidth,
        };

    /// <summary>The wall time since the display was created.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>Reports <paramref name="count"/> units done; draws when the last drawing is old enough (or <paramref name="force"/>).</summary>
    /// <param name="count">Units done so far; the rate is this over the elapsed time.</param>
    /// <param name="done">How far along, in the unit of <paramref name="total"/> (may differ from the count's: bytes of a dump).</param>
    /// <param name="total">The whole amount of work, or 0 when unknown: then no bar and no ETA.</param>
    /// <param name="detail">More to show after the figures, or null.</param>
    /// <param name="force">Draw now, whatever the time since the last drawing.</param>
    public void Update(long count, long done = 0, long total = 0, string? detail = null, bool force = false)
    {
        lock (_gate)
        {
            var now = Elapsed;
            if (!force && _lastDraw != TimeSpan.MinValue && now - _lastDraw < (_interactive ? InteractiveEvery : PlainEvery))
            {
                return;
            }

            if (!force && _lastDraw == TimeSpan.MinValue && !_interactive && now < PlainEvery)
            {
                return; // a short run prints no plain progress line at all
            }

            _lastDraw = now;
            var text = Format(count, done, total, detail, now);
            if (_interactive)
            {
                _output.Write("\r" + Fit(text) + "\u001b[K");
                _lineOpen = true;
            }
            else
            {
                _output.WriteLine($"{_label}: {text}");
            }
        }
    }

    /// <summary>Writes a line of its own, first clearing the progress line on a terminal.</summary>
    public void Line(string text)
    {
        lock (_gate)
        {
            ClearLine();
            _output.WriteLine(text);
        }
    }

    /// <summary>Clears the progress line on a terminal, so what follows starts on a clean line.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            ClearLine();
        }
    }

    /// <summary>The figures of one drawing: bar and percentage when the total is known, count, rate, ETA and detail.</summary>
    private string Format(long count, long done, long total, string? detail, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = count / seconds;
        var text = string.Create(CultureInfo.InvariantCulture, $"{count:N0} {_unit}, {rate:N0} {_unit}/s");
        if (total > 0)
        {
            var fraction = Math.Clamp((double)done / total, 0, 1);
            var eta = done > 0 ? TimeSpan.FromSeconds(seconds * (1 - fraction) / fraction) : (TimeSpan?)null;
            var etaText = eta is { } e && e < TimeSpan.FromDays(100) ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--";
            var percent = string.Create(CultureInfo.InvariantCulture, $"{fraction * 100,3:F0}%");
            var filled = (int)(BarWidth * fraction);
            text = _interactive
                ? $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {percent} {text}, ETA {etaText}"
                : $"{percent.TrimStart()}, {text}, ETA {etaText}";
        }

        text = detail is null ? text : $"{text}; {detail}";
        return _interactive ? $"{_label}: {text}" : text;
    }

    /// <summary>Cuts a terminal line to the window's width, so the carriage return redraws it rather than wrapping.</summary>
    private string Fit(string text)
    {
        var width = Width();
        return width > 1 && text.Length >= width ? text[..(width - 1)] : text;
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void ClearLine()
    {
        if (_lineOpen)
        {
            _output.Write("\r\u001b[K");
            _lineOpen = false;
        }
    }
}
