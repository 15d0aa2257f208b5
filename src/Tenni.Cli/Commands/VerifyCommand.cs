using System.CommandLine;
using Tenni.Data;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary>
/// <c>tenni verify</c>: fastai's <c>verify_images</c>, but reporting instead of deleting: reads every
/// file of a class-folder tree and says what would be used, what is skipped and why, and which files are
/// identical. Nothing is moved or deleted.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CommandContext context)
    {
        var folder = new Argument<string>("folder") { Description = "A folder with one sub-folder per class" };
        var json = new Option<bool>("--json") { Description = "Print the full report as JSON instead of the summary" };
        var report = new Option<string?>("--report") { Description = "Also save the full JSON report to this file" };
        var classes = new Option<string?>("--classes") { Description = "Class folders in label order, comma-separated (e.g. Dog,Cat); default: all, sorted" };
        var perClass = new Option<int?>("--per-class") { Description = "Use at most this many readable images per class (the first, sorted by path)" };
        var maxFileMb = new Option<long>("--max-file-mb") { Description = "Skip files larger than this many MiB as too large (never reading more)", DefaultValueFactory = _ => ImageReader.DefaultMaxFileBytes / (1024 * 1024) };
        var command = new Command("verify", "Check a dataset folder and report images per class, skipped files and duplicates") { folder, json, report, classes, perClass, maxFileMb };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            var options = new ImageFolderOptions
            {
                Classes = parsed.GetValue(classes)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                PerClass = parsed.GetValue(perClass),
                MaxFileBytes = MaxFileBytes(parsed.GetValue(maxFileMb)),
            };
            string root = parsed.GetValue(folder)!;
            if (parsed.GetValue(report) is { } path)
            {
                OutputGuard.Check(path, "--report", [root]);
            }

            var scanned = ImageFolder.Scan(root, options);
            if (parsed.GetValue(report) is { } reportPath)
            {
                AtomicFile.WriteAllText(reportPath, scanned.Report.ToJson());
            }

            if (parsed.GetValue(json))
            {
                context.Output.WriteLine(scanned.Report.ToJson());
            }
            else
            {
                foreach (string line in scanned.Report.Summary())
                {
                    context.Output.WriteLine(TextEscaping.ForDisplay(line));
                }

                foreach (var skip in scanned.Report.Skipped)
                {
                    context.Output.WriteLine($"  skipped ({skip.Reason}): {TextEscaping.ForDisplay(skip.Message)}");
                }
            }

            return 0;
        }));
        return command;
    }

    private static long MaxFileBytes(long mib) => mib is >= 1 and <= 2047
        ? mib * 1024 * 1024
        : throw new TenniException($"--max-file-mb must be between 1 and 2047, got {mib}");
}
