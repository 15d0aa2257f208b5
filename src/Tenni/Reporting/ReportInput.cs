using Tenni.Data;

namespace Tenni.Reporting;

/// <summary>Everything <see cref="ReportHtml"/> shows, gathered from a run folder (or built by a test without a model).</summary>
internal sealed record ReportInput
{
    /// <summary>The run folder's name, for the title.</summary>
    public required string RunName { get; init; }

    /// <summary><c>config.json</c> as written, or null when the run has none.</summary>
    public string? ConfigJson { get; init; }

    /// <summary>The data reports and the file each came from (<c>data-report.json</c>, and <c>data-report-val.json</c> for train/ and val/ folders).</summary>
    public IReadOnlyList<(string FileName, DataReport Report)> DataReports { get; init; } = [];

    /// <summary>The run's log entries (one per epoch, or one per L2 strength for L-BFGS).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> Log { get; init; } = [];

    /// <summary>The evaluated model's folder, relative to the run (<c>best</c> or <c>.</c>).</summary>
    public required string ModelName { get; init; }

    public required Evaluation Evaluation { get; init; }

    /// <summary>Photos that could not be read during evaluation, with the reason.</summary>
    public IReadOnlyList<(string Path, string Problem)> Unreadable { get; init; } = [];

    /// <summary>A <c>data:</c> URI thumbnail for each top-loss path that could be read.</summary>
    public IReadOnlyDictionary<string, string> Thumbnails { get; init; } = new Dictionary<string, string>();

    /// <summary>A note shown under the summary (for example: the head also saw the validation photos).</summary>
    public string? Note { get; init; }
}
