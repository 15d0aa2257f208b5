using System.CommandLine;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni export</c>: a trained model as one ONNX file for ONNX Runtime and ML.NET.</summary>
internal static class ExportCommand
{
    public static Command Create(CommandContext context)
    {
        var run = new Option<string>("--run", "-r") { Description = "Run folder (or its best/ folder) written by 'tenni train'", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write", Required = true };
        var preprocessing = new Option<bool>("--with-preprocessing") { Description = "Take RGB 0..255 at the model's size; channel order, mean and scale inside the graph" };
        var weights = CommonOptions.Weights();
        var command = new Command("export", "Write a trained model as ONNX (source graph with fine-tuned weights + head + softmax, or sigmoid for a multi-label model)") { run, onnx, preprocessing, weights };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string runFolder = parsed.GetValue(run)!;
            string path = parsed.GetValue(onnx)!;
            if (Directory.Exists(runFolder))
            {
                // A new file beside the run's is fine; replacing one of them is not.
                OutputGuard.Check(path, "--onnx", Directory.EnumerateFiles(runFolder, "*", SearchOption.AllDirectories));
            }

            using var classifier = TrainedClassifier.Load(runFolder, parsed.GetValue(weights));
            bool pre = parsed.GetValue(preprocessing);
            OnnxExporter.Export(classifier, path, pre);
            int size = classifier.Preprocessing.Size;
            context.Output.WriteLine($"wrote {path}: input '{(pre ? OnnxExporter.ImageInput : classifier.Model.Source.Graph.InputName)}' float [N, 3, {size}, {size}] ({(pre ? "RGB 0..255" : classifier.Preprocessing.Kind + " preprocessed")}), outputs '{OnnxExporter.ProbabilitiesOutput}' and '{OnnxExporter.LogitsOutput}' [N, {classifier.Classes.Count}]; classes: {string.Join(", ", classifier.Classes)}");
            return 0;
        }));
        return command;
    }
}
