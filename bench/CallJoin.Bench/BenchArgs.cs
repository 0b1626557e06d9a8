using System.Globalization;

namespace CallJoin.Bench;

/// <summary>The scenarios' <c>--name value</c> options.</summary>
internal static class BenchArgs
{
    public static int Int(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static string? String(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Appends <paramref name="text"/> to the results file --out names; nothing without one.</summary>
    public static async Task AppendResultsAsync(string[] args, string text)
    {
        if (String(args, "--out") is { } path)
        {
            await File.AppendAllTextAsync(path, text).ConfigureAwait(false);
        }
    }
}
