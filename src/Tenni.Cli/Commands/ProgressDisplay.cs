using System.Diagnostics;
using Spectre.Console;
using Tenni.Features;

namespace Tenni.Cli.Commands;

/// <summary>
/// A progress bar on an interactive terminal; plain periodic lines otherwise (CI logs, pipes, tests),
/// at most one every two seconds plus the last.
/// </summary>
internal static class ProgressDisplay
{
    public static T Run<T>(TextWriter error, string label, int total, Func<IProgress<ExtractionProgress>, T> work)
    {
        bool interactive = ReferenceEquals(error is ControlCharacterWriter safe ? safe.Inner : error, Console.Error) && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            return work(Lines(error, label));
        }

        T result = default!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                result = work(new Reporter(p => task.Value = p.Done));
            });
        return result;
    }

    /// <summary>Plain progress lines, at most one every 2 s plus the last.</summary>
    public static IProgress<ExtractionProgress> Lines(TextWriter error, string label)
    {
        var clock = Stopwatch.StartNew();
        double lastReport = double.NegativeInfinity;
        return new Reporter(p =>
        {
            if (p.Done == p.Total || clock.Elapsed.TotalSeconds - lastReport > 2)
            {
                lastReport = clock.Elapsed.TotalSeconds;
                double rate = p.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                error.WriteLine($"{label}: {p.Done}/{p.Total} files ({100.0 * p.Done / Math.Max(p.Total, 1):F0}%), {rate:F1} files/s, {p.Skipped} skipped");
            }
        });
    }

    // Synchronous, unlike Progress<T>, so lines appear in order on the caller's thread.
    private sealed class Reporter(Action<ExtractionProgress> report) : IProgress<ExtractionProgress>
    {
        public void Report(ExtractionProgress value) => report(value);
    }
}
