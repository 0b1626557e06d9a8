using System.Globalization;
using System.Text;

namespace CallJoin.Migration.Validation;

/// <summary>Values as ClickHouse SQL literals, for queries whose shape (id lists, optional filters) varies.</summary>
internal static class SqlLiteral
{
    /// <summary><c>'text'</c> with backslashes and quotes escaped.</summary>
    public static string String(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append(@"\\"),
                '\'' => sb.Append(@"\'"),
                _ => sb.Append(c),
            };
        }

        return sb.Append('\'').ToString();
    }

    /// <summary><c>toDate('yyyy-MM-dd')</c>.</summary>
    public static string Date(DateOnly day) => $"toDate('{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}')";

    /// <summary>Midnight UTC of <paramref name="day"/> plus <paramref name="after"/>, as a DateTime64(6) in UTC.</summary>
    public static string Instant(DateOnly day, TimeSpan after)
    {
        var at = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) + after;
        return $"toDateTime64('{at.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}', 6, 'UTC')";
    }

    /// <summary><c>[('p', 'id'), …]</c>: a set of (project_id, id) keys for <c>IN</c>.</summary>
    public static string Keys(IEnumerable<CallKeyText> keys)
    {
        var sb = new StringBuilder("[");
        foreach (var key in keys)
        {
            sb.Append(sb.Length > 1 ? ", (" : "(").Append(String(key.ProjectId)).Append(", ").Append(String(key.Id)).Append(')');
        }

        return sb.Append(']').ToString();
    }
}
