using System.Text;
using System.Text.Json;

namespace CallJoin.Core.Tests.Halves;

/// <summary>The committed test vectors next to this file, found from the test binary's directory upward.</summary>
internal static class Vectors
{
    public static IEnumerable<JsonElement> Read(string fileName)
    {
        foreach (var line in File.ReadLines(Locate(fileName)))
        {
            if (line.Length > 0)
            {
                using var document = JsonDocument.Parse(line);
                yield return document.RootElement.Clone();
            }
        }
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    private static string Locate(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "CallJoin.Core.Tests", "Halves", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{fileName} not found above {AppContext.BaseDirectory}");
    }
}
