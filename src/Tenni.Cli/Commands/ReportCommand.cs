using System.CommandLine;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni report</c>: (re)writes a run's self-contained <c>report.html</c> (<see cref="RunReport"/>); <c>tenni train</c> writes it too.</summary>
internal static class ReportCommand
{
    public static Command Create(CommandContext context)
    {
        var run = new Option<string>("--run", "-r") { Description = "Run folder written by 'tenni train'", Required = true };
        var output = new Option<string?>("--out", "-o") { Description = $"HTML file to write (default: RUN/{RunReport.FileName})" };
        var weights = CommonOptions.Weights();
        var command = new Command("report", "Write a run's report.html: configuration, data, curves, confusion matrix, per-class metrics, calibration, top losses") { run, output, weights };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string runFolder = parsed.GetValue(run)!;
            if (!Directory.Exists(runFolder))
            {
                throw new TenniException($"run folder '{runFolder}' does not exist; expected a folder written by 'tenni train'");
            }

            string target = parsed.GetValue(output) ?? Path.Combine(runFolder, RunReport.FileName);
            OutputGuard.Check(target, "--out", DataFolder(runFolder));
            context.Output.WriteLine($"wrote {TextEscaping.ForDisplay(RunReport.Write(runFolder, target, parsed.GetValue(weights)))}");
            return 0;
        }));
        return command;
    }

    // The run's data folder, which the report must not be written into (the next scan would read it as data).
    private static string[] DataFolder(string runFolder)
    {
        string config = Path.Combine(runFolder, "config.json");
        try
        {
            return File.Exists(config) && System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))?["data"]?.GetValue<string>() is { } data ? [data] : [];
        }
        catch (System.Text.Json.JsonException)
        {
            return []; // a damaged config.json: the report shows it as text; nothing to guard
        }
    }
}
