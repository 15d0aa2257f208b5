using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Tenni.IO;
using Tenni.Training;

namespace Tenni.Cli.Commands;

/// <summary>
/// <c>tenni evaluate</c>: a trained model's accuracy, balanced accuracy, per-class precision/recall/F1,
/// confusion matrix, calibration and most confident mistakes (<see cref="Evaluation"/>) on its run's
/// validation split or a folder of class sub-folders; with <c>--tta</c>, with and without test-time augmentation.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(CommandContext context)
    {
        var run = new Option<string>("--run", "-r") { Description = "Run folder written by 'tenni train' (or a folder with model.json)", Required = true };
        var data = new Option<string?>("--data", "-d") { Description = "Folder with one sub-folder per class, matched to the model's classes by name (default: the run's validation split)" };
        var which = new Option<string>("--model") { DefaultValueFactory = _ => "best", Description = "best (the run's best/ model, default) or last (the run's final model)" };
        var json = new Option<string?>("--json") { Description = "Also write the whole evaluation as JSON to this file" };
        var tta = new Option<TestTimeAugmentation>("--tta") { DefaultValueFactory = _ => TestTimeAugmentation.None, Description = "None, Flip (photo + mirror) or Crops (+ four corners): averages the views' probabilities, and reports accuracy without it too" };
        var topLosses = new Option<int>("--top-losses") { DefaultValueFactory = _ => 10, Description = "How many of the most confident mistakes to list" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Images per forward pass" };
        var weights = CommonOptions.Weights();
        var precision = CommonOptions.Precision(forModel: true);
        var device = CommonOptions.Device();
        var command = new Command("evaluate", "Measure a trained model on labelled photos: per-class metrics, confusion matrix, calibration, top losses") { run, data, which, json, tta, topLosses, batch, weights, precision, device };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string runFolder = parsed.GetValue(run)!;
            int batchSize = CommonOptions.Positive(parsed.GetValue(batch), "--batch");
            int losses = parsed.GetValue(topLosses) is >= 0 and <= 10_000 and int n ? n : throw new TenniException($"--top-losses must be 0 to 10000, got {parsed.GetValue(topLosses)}");
            string? jsonFile = parsed.GetValue(json);
            if (jsonFile is not null)
            {
                OutputGuard.Check(jsonFile, "--json", [runFolder]);
            }

            using var classifier = TrainedClassifier.Load(ModelFolder(runFolder, parsed.GetValue(which)!), parsed.GetValue(weights), parsed.GetValue(precision), CommonOptions.CheckDevice(parsed, device));
            var samples = parsed.GetValue(data) is { } folder
                ? EvaluationData.Folder(folder, classifier.Classes).Samples
                : EvaluationData.ValidationSplit(classifier.Folder, classifier.Classes);
            var mode = parsed.GetValue(tta);
            var (evaluation, unreadable) = classifier.Evaluate(samples, batchSize, mode, losses, ProgressDisplay.Files(context, "evaluate"));
            var plain = mode == TestTimeAugmentation.None ? null : classifier.Evaluate(samples, batchSize, TestTimeAugmentation.None, 0, ProgressDisplay.Files(context, "evaluate without tta")).Evaluation;
            foreach (var problem in unreadable)
            {
                context.Error.WriteLine($"skipped (unreadable): {TextEscaping.ForDisplay(problem.Path)}: {TextEscaping.ForDisplay(problem.Problem ?? "")}");
            }

            Print(context.Output, evaluation, plain, mode, classifier.Folder);
            if (parsed.GetValue(data) is null && classifier.Training is { Refit: true })
            {
                // Cross-validation and --refit fit the head on the validation photos too: their numbers flatter it.
                context.Output.WriteLine("note: this head was fitted on the validation photos too (cross-validation or --refit), so these numbers are optimistic; pass --data a folder of photos it never saw (its held-out estimate is in the run's log)");
            }

            if (jsonFile is not null)
            {
                var document = new { model = Path.GetFullPath(classifier.Folder), tta = mode.ToString().ToLowerInvariant(), unreadable = unreadable.Count, evaluation, without_tta = plain };
                AtomicFile.WriteAllText(jsonFile, JsonSerializer.Serialize(document, Json));
                context.Output.WriteLine($"wrote {TextEscaping.ForDisplay(jsonFile)}");
            }

            return 0;
        }));
        return command;
    }

    internal static string ModelFolder(string runFolder, string which) => which switch
    {
        "best" => TrainedClassifier.ModelFolder(runFolder, best: true),
        "last" => TrainedClassifier.ModelFolder(runFolder, best: false),
        _ => throw new TenniException($"--model must be best or last, got '{which}'"),
    };

    private static void Print(TextWriter output, Evaluation e, Evaluation? plain, TestTimeAugmentation mode, string folder)
    {
        string Number(double v) => double.IsNaN(v) ? "–" : v.ToString("0.0000", CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        output.WriteLine($"evaluated {e.Count} photos with {TextEscaping.ForDisplay(folder)}{(mode == TestTimeAugmentation.None ? "" : $" and test-time augmentation ({mode.ToString().ToLowerInvariant()})")}");
        output.WriteLine($"accuracy {Number(e.Accuracy)}{(plain is null ? "" : $" (without tta {Number(plain.Accuracy)})")}, balanced accuracy {Number(e.BalancedAccuracy)}{(plain is null ? "" : $" (without tta {Number(plain.BalancedAccuracy)})")}, log loss {Number(e.LogLoss)}, expected calibration error {Number(e.ExpectedCalibrationError)}"
            + string.Concat(e.TopK.Select(t => $", top-{t.Key} {Number(t.Value)}")));
        var table = new Table().AddColumns("class", "precision", "recall", "f1", "support");
        foreach (var m in e.PerClass.Append(e.MacroAverage).Append(e.WeightedAverage))
        {
            table.AddRow(Markup.Escape(m.Name), Number(m.Precision), Number(m.Recall), Number(m.F1), m.Support.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        if (e.Classes.Count <= 20)
        {
            var confusion = new Table().AddColumn("true \\ predicted");
            foreach (string name in e.Classes)
            {
                confusion.AddColumn(Markup.Escape(name));
            }

            for (int c = 0; c < e.Classes.Count; c++)
            {
                confusion.AddRow([Markup.Escape(e.Classes[c]), .. e.ConfusionMatrix[c].Select(v => v.ToString(CultureInfo.InvariantCulture))]);
            }

            console.Write(confusion);
        }

        foreach (var loss in e.TopLosses)
        {
            output.WriteLine($"mistake: {TextEscaping.ForDisplay(loss.Path)}: {loss.TrueClass} taken for {loss.PredictedClass} ({loss.Probability.ToString("0.000", CultureInfo.InvariantCulture)})");
        }
    }
}
