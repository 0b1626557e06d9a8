using System.Globalization;
using System.Text.RegularExpressions;

namespace CallJoin.EmbeddedClickHouse.Http;

/// <summary>An engine error as the HTTP interface reports it: the exception code and the HTTP status for it.</summary>
internal readonly partial record struct ClickHouseError(int Code, string Message)
{
    /// <summary>Reads the code from the engine's <c>Code: N. DB::Exception: …</c> text (1000, STD_EXCEPTION, if absent).</summary>
    public static ClickHouseError FromEngine(string text)
    {
        var match = CodePrefix().Match(text);
        return match.Success
            ? new(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), text)
            : new(1000, $"Code: 1000. DB::Exception: {text}. (STD_EXCEPTION)");
    }

    public static ClickHouseError Create(int code, string name, string message) => new(code, $"Code: {code}. DB::Exception: {message}. ({name})");

    /// <summary>The HTTP status for this code: 4xx for the client errors ClickHouse's HTTP handler maps, else 500.</summary>
    public int HttpStatus => Code switch
    {
        194 or 192 or 193 or 516 or 497 => 403,                   // REQUIRED_PASSWORD, UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, ACCESS_DENIED
        46 or 47 or 50 or 56 or 60 or 73 or 81 or 115 => 404,     // UNKNOWN_FUNCTION/IDENTIFIER/TYPE/STORAGE/TABLE/FORMAT/DATABASE/SETTING
        6 or 26 or 27 or 38 or 41 or 53 or 62 or 72 or 117 or 354 or 456 or 457 => 400, // CANNOT_PARSE_*, TYPE_MISMATCH, SYNTAX_ERROR, INCORRECT_DATA, CANNOT_DECOMPRESS, query parameters
        1 => 501,                                                  // UNSUPPORTED_METHOD
        _ => 500,
    };

    [GeneratedRegex(@"^Code: (\d+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex CodePrefix();
}
