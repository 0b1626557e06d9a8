namespace CallJoin.Migration.Validation;

/// <summary>The file format of a validation report.</summary>
public enum ValidationReportFormat
{
    Markdown,
    Json,
}
