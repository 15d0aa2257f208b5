using System.Globalization;

namespace Tenni.Training.Extensions;

/// <summary>Chainer's <c>extensions.PrintReport</c>: one table row per epoch with the chapter's columns.</summary>
public sealed class PrintReport(LogReport log, TextWriter output) : ITrainerExtension
{
    public static readonly string[] ChapterColumns =
        ["epoch", "iteration", "main/accuracy", "validation/main/accuracy", "main/loss", "validation/main/loss", "elapsed_time"];

    private bool _headerWritten;

    public string Name => "PrintReport";

    public int Priority => ExtensionPriority.Reader;

    public bool ShouldRun(Trainer trainer) => trainer.Updater.IsNewEpoch;

    public void Run(Trainer trainer)
    {
        if (!_headerWritten)
        {
            output.WriteLine(string.Join("  ", ChapterColumns.Select(Pad)));
            _headerWritten = true;
        }

        var entry = log.Entries[^1];
        output.WriteLine(string.Join("  ", ChapterColumns.Select(c => Pad(Format(c, entry)))));
    }

    private static string Format(string column, Dictionary<string, double> entry) =>
        !entry.TryGetValue(column, out double v) ? ""
        : column is "epoch" or "iteration" ? ((long)v).ToString(CultureInfo.InvariantCulture)
        : v.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Pad(string text) => text.PadRight(Math.Max(11, text.Length));
}
