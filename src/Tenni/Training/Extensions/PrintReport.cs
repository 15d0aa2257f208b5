using System.Globalization;

namespace Tenni.Training.Extensions;

/// <summary>Chainer's <c>extensions.PrintReport</c>: one table row per log entry with the chapter's columns (or given ones).</summary>
public sealed class PrintReport(LogReport log, TextWriter output, IReadOnlyList<string>? columns = null) : ITrainerExtension
{
    public static readonly string[] ChapterColumns =
    [
        ObservationKeys.Epoch, ObservationKeys.Iteration, ObservationKeys.Accuracy, ObservationKeys.ValidationAccuracy,
        ObservationKeys.Loss, ObservationKeys.ValidationLoss, ObservationKeys.ElapsedTime,
    ];

    /// <summary>An L-BFGS head's table: one row per L2 strength.</summary>
    public static readonly string[] SolverColumns =
    [
        ObservationKeys.Epoch, ObservationKeys.L2, ObservationKeys.SolverIterations, ObservationKeys.Temperature, ObservationKeys.Accuracy, ObservationKeys.ValidationAccuracy,
        ObservationKeys.Loss, ObservationKeys.ValidationLoss, ObservationKeys.ElapsedTime,
    ];

    private readonly IReadOnlyList<string> _columns = columns ?? ChapterColumns;
    private bool _headerWritten;

    public void Run(Trainer trainer)
    {
        if (log.Entries.Count == 0)
        {
            return;
        }

        if (!_headerWritten)
        {
            output.WriteLine(string.Join("  ", _columns.Select(Pad)));
            _headerWritten = true;
        }

        var entry = log.Entries[^1];
        output.WriteLine(string.Join("  ", _columns.Select(c => Pad(Format(c, entry)))));
    }

    private static string Format(string column, IReadOnlyDictionary<string, double> entry) =>
        !entry.TryGetValue(column, out double v) ? ""
        : column is ObservationKeys.Epoch or ObservationKeys.Iteration or ObservationKeys.SolverIterations ? ((long)v).ToString(CultureInfo.InvariantCulture)
        : column is ObservationKeys.L2 ? v.ToString("G3", CultureInfo.InvariantCulture)
        : v.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Pad(string text) => text.PadRight(Math.Max(11, text.Length));
}
