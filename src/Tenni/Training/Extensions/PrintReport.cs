using System.Globalization;

namespace Tenni.Training.Extensions;

/// <summary>Chainer's <c>extensions.PrintReport</c>: one table row per log entry with the chapter's columns.</summary>
public sealed class PrintReport(LogReport log, TextWriter output) : ITrainerExtension
{
    public static readonly string[] ChapterColumns =
    [
        ObservationKeys.Epoch, ObservationKeys.Iteration, ObservationKeys.Accuracy, ObservationKeys.ValidationAccuracy,
        ObservationKeys.Loss, ObservationKeys.ValidationLoss, ObservationKeys.ElapsedTime,
    ];

    private bool _headerWritten;

    public void Run(Trainer trainer)
    {
        if (log.Entries.Count == 0)
        {
            return;
        }

        if (!_headerWritten)
        {
            output.WriteLine(string.Join("  ", ChapterColumns.Select(Pad)));
            _headerWritten = true;
        }

        var entry = log.Entries[^1];
        output.WriteLine(string.Join("  ", ChapterColumns.Select(c => Pad(Format(c, entry)))));
    }

    private static string Format(string column, IReadOnlyDictionary<string, double> entry) =>
        !entry.TryGetValue(column, out double v) ? ""
        : column is ObservationKeys.Epoch or ObservationKeys.Iteration ? ((long)v).ToString(CultureInfo.InvariantCulture)
        : v.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Pad(string text) => text.PadRight(Math.Max(11, text.Length));
}
