using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni predict</c>: top-k classes (a multi-label model's label sets) for files and folders; unreadable files are reported, not fatal.</summary>
internal static class PredictCommand
{
    public static Command Create(CommandContext context)
    {
        var run = new Option<string>("--run", "-r") { Description = "Run folder (or its best/ folder) written by 'tenni train'", Required = true };
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders (recursively)", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top", "-k") { DefaultValueFactory = _ => 1, Description = "Classes to show per image" };
        var json = new Option<bool>("--json") { Description = "JSON output" };
        var csv = new Option<bool>("--csv") { Description = "CSV output (path, class, probability, rank)" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Images per forward pass" };
        var weights = CommonOptions.Weights();
        var precision = CommonOptions.Precision(forModel: true);
        var device = CommonOptions.Device();
        var tta = new Option<TestTimeAugmentation>("--tta") { DefaultValueFactory = _ => TestTimeAugmentation.None, Description = "None, Flip (photo + mirror) or Crops (+ four corners at 90%): averages the views' probabilities" };
        var command = new Command("predict", "Classify images with a trained model") { run, paths, top, json, csv, batch, weights, tta, precision, device };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string[] inputs = parsed.GetValue(paths)!;
            int batchSize = CommonOptions.Positive(parsed.GetValue(batch), "--batch");
            CommonOptions.Positive(parsed.GetValue(top), "--top");
            var notFollowed = new List<Data.SkippedImage>();
            var files = ImageFiles.Expand(inputs, notFollowed);
            foreach (var skip in notFollowed)
            {
                context.Error.WriteLine($"skipped ({skip.Reason}): {TextEscaping.ForDisplay(skip.Message)}");
            }

            if (files.Count == 0)
            {
                throw new TenniException($"no files found in {string.Join(", ", inputs.Select(p => $"'{p}'"))}; expected image files or folders that hold some");
            }

            using var classifier = TrainedClassifier.Load(parsed.GetValue(run)!, parsed.GetValue(weights), parsed.GetValue(precision), CommonOptions.CheckDevice(parsed, device));
            int k = Math.Clamp(parsed.GetValue(top), 1, classifier.Classes.Count);
            var results = classifier.PredictFiles(files, batchSize, parsed.GetValue(tta)).Reported(files.Count, files.Count > batchSize ? ProgressDisplay.Files(context, "predict") : null).ToList();
            var output = context.Output;
            if (classifier.MultiLabel)
            {
                MultiLabelPredictions.Write(output, classifier, results, parsed.GetValue(json), parsed.GetValue(csv));
            }
            else if (parsed.GetValue(json))
            {
                var items = results.Select(r => new
                {
                    path = r.Path,
                    error = r.Problem,
                    top = r.Problem is null ? r.Top(k).Select(t => new { @class = classifier.Classes[t.Class], probability = t.Probability }).ToArray() : null,
                });
                output.WriteLine(JsonSerializer.Serialize(items, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            }
            else if (parsed.GetValue(csv))
            {
                output.WriteLine("path,class,probability,rank,error");
                foreach (var r in results)
                {
                    if (r.Problem is not null)
                    {
                        output.WriteLine($"{TextEscaping.ForCsv(r.Path)},,,,{TextEscaping.ForCsv(r.Problem)}");
                        continue;
                    }

                    int rank = 1;
                    foreach (var (c, p) in r.Top(k))
                    {
                        output.WriteLine($"{TextEscaping.ForCsv(r.Path)},{TextEscaping.ForCsv(classifier.Classes[c])},{p.ToString("0.######", CultureInfo.InvariantCulture)},{rank++},");
                    }
                }
            }
            else
            {
                string[] shown = results.Select(r => TextEscaping.ForDisplay(r.Path)).ToArray();
                int width = Math.Max(4, shown.Max(p => p.Length));
                output.WriteLine($"{"file".PadRight(width)}  prediction");
                foreach (var (r, name) in results.Zip(shown))
                {
                    string text = r.Problem is not null
                        ? $"unreadable: {TextEscaping.ForDisplay(r.Problem)}"
                        : string.Join(", ", r.Top(k).Select(t => $"{classifier.Classes[t.Class]} {t.Probability.ToString("0.000", CultureInfo.InvariantCulture)}"));
                    output.WriteLine($"{name.PadRight(width)}  {text}");
                }
            }

            int unreadable = results.Count(r => r.Problem is not null);
            context.Error.WriteLine($"predicted {results.Count - unreadable} images; {unreadable} unreadable files");
            return 0;
        }));
        return command;
    }
}
