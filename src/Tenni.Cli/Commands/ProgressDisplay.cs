using System.Diagnostics;
using System.Globalization;
using Tenni.Features;
using Tenni.Training;

namespace Tenni.Cli.Commands;

/// <summary>
/// Progress of long work: a live bar on an interactive terminal (<see cref="LiveStatusLine"/>: done/total,
/// rate, time left); plain periodic lines otherwise (CI logs, pipes, tests), at most one every two
/// seconds plus the last.
/// </summary>
internal static class ProgressDisplay
{
    private const int BarWidth = 24;

    /// <summary>Files processed (cache filling, extraction, prediction, evaluation).</summary>
    public static IProgress<ExtractionProgress> Files(CommandContext context, string label)
    {
        var clock = Stopwatch.StartNew();
        if (context.Status is { } status)
        {
            return new Reporter<ExtractionProgress>(p =>
            {
                double rate = p.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                status.Show($"{label} {Bar(p.Done, p.Total)} {p.Done}/{p.Total} {Percent(p.Done, p.Total)} · {rate:F1} files/s · {Left(p.Total - p.Done, rate)}{(p.Skipped > 0 ? $" · {p.Skipped} skipped" : "")}", force: p.Done == p.Total);
                if (p.Done == p.Total)
                {
                    status.Finish();
                }
            });
        }

        double lastReport = double.NegativeInfinity;
        return new Reporter<ExtractionProgress>(p =>
        {
            if (p.Done == p.Total || clock.Elapsed.TotalSeconds - lastReport > 2)
            {
                lastReport = clock.Elapsed.TotalSeconds;
                double rate = p.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                context.Error.WriteLine($"{label}: {p.Done}/{p.Total} files ({100.0 * p.Done / Math.Max(p.Total, 1):F0}%), {rate:F1} files/s, {p.Skipped} skipped");
            }
        });
    }

    /// <summary>One bar per epoch on an interactive terminal; null otherwise (training prints its own plain lines).</summary>
    public static IProgress<TrainingProgress>? Epochs(CommandContext context)
    {
        if (context.Status is not { } status)
        {
            return null;
        }

        int shown = -1;
        return new Reporter<TrainingProgress>(p =>
        {
            if (p.IterationsPerEpoch == 1)
            {
                // One iteration an epoch (the L-BFGS head: one fit per strength; a batch larger than the data): one bar for the whole run.
                status.Show($"train: {Bar(p.Iteration, p.Iterations)} {p.Iteration}/{p.Iterations} epochs · {Left(p.Iterations - p.Iteration, p.Iteration / Math.Max(p.Seconds, 1e-3))}", force: p.Iteration == p.Iterations);
                if (p.Iteration == p.Iterations)
                {
                    status.Finish();
                }

                return;
            }

            // An epoch's last iteration reports the next epoch's number: it finishes the bar it belongs to.
            long inEpoch = p.Iteration - ((long)Math.Min(p.Epoch, p.Epochs) * p.IterationsPerEpoch);
            bool ended = inEpoch == 0 && p.Iteration > 0;
            int epoch = ended ? p.Epoch - 1 : p.Epoch;
            long done = ended ? p.IterationsPerEpoch : inEpoch;
            double rate = p.Iteration / Math.Max(p.Seconds, 1e-3);
            status.Show($"train: epoch {epoch + 1}/{p.Epochs} {Bar(done, p.IterationsPerEpoch)} {done}/{p.IterationsPerEpoch} · {rate:F1} it/s · {Left(p.Iterations - p.Iteration, rate)}", force: ended);
            if (ended && epoch != shown)
            {
                shown = epoch;
                status.Finish();
            }
        });
    }

    internal static string Bar(long done, long total)
    {
        int filled = total <= 0 ? BarWidth : (int)Math.Clamp(done * BarWidth / total, 0, BarWidth);
        return "[" + new string('█', filled) + new string('░', BarWidth - filled) + "]";
    }

    private static string Percent(long done, long total) => (100.0 * done / Math.Max(total, 1)).ToString("F0", CultureInfo.InvariantCulture) + "%";

    private static string Left(long remaining, double rate) => rate <= 0 ? "" : remaining <= 0 ? "done" : $"{TimeSpan.FromSeconds(remaining / rate):m\\:ss} left";

    // Synchronous, unlike Progress<T>, so lines appear in order on the caller's thread.
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
