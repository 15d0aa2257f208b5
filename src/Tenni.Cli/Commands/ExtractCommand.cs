using System.CommandLine;
using Tenni.Features;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni extract</c>: Chainer's <c>extract(images, layers=[...])</c> into a NumPy file.</summary>
internal static class ExtractCommand
{
    public static Command Create(CommandContext context)
    {
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders (folders: all files, sorted)", Arity = ArgumentArity.OneOrMore };
        var model = CommonOptions.Model();
        var weights = CommonOptions.Weights();
        var preprocessing = CommonOptions.Preprocessing();
        var layer = new Option<string?>("--layer", "-l") { Description = "Layer to extract (default: the model's feature layer, pool5 for resnet18)" };
        var output = new Option<string>("--out", "-o") { Description = ".npy file to write; the file list goes beside it as NAME.files.txt", DefaultValueFactory = _ => "features.npy" };
        var batch = new Option<int>("--batch", "-b") { Description = "Images per forward pass", DefaultValueFactory = _ => 32 };
        var precision = CommonOptions.Precision();
        var device = CommonOptions.Device();
        var command = new Command("extract", "Write a layer's output for each image to a float32 .npy file") { paths, model, weights, preprocessing, layer, output, batch, precision, device };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string[] inputs = parsed.GetValue(paths)!;
            string target = parsed.GetValue(output)!;
            OutputGuard.Check(target, "--out", inputs);
            OutputGuard.Check(FeatureExtractor.FileListPath(target), "--out's file list", inputs);
            int batchSize = CommonOptions.Positive(parsed.GetValue(batch), "--batch");
            CommonOptions.CheckDevice(parsed, device); // a device this build lacks: said before any file is read
            var notFollowed = new List<Data.SkippedImage>();
            var files = ImageFiles.Expand(inputs, notFollowed);
            foreach (var skip in notFollowed)
            {
                context.Error.WriteLine($"skipped ({skip.Reason}): {TextEscaping.ForDisplay(skip.Message)}");
            }

            using var source = CommonOptions.LoadModel(parsed, model, weights, preprocessing, precision, device);
            string layerName = parsed.GetValue(layer) ?? source.Descriptor.DefaultLayer;
            _ = source.OutputShape(layerName); // unknown layer: fail before any work
            var extractor = new FeatureExtractor(source, layerName, batchSize);
            var result = extractor.ExtractToNpy(files, target, ProgressDisplay.Files(context, "extract"));
            foreach (var skip in result.Skipped)
            {
                context.Error.WriteLine($"skipped: {TextEscaping.ForDisplay(skip.Reason)}");
            }

            context.Output.WriteLine($"wrote {target}: float32 ({result.Files.Count}, {string.Join(", ", result.RowShape)}), layer {layerName} of {source.Descriptor.Name}; file list: {FeatureExtractor.FileListPath(target)}; skipped {result.Skipped.Count}");
            return 0;
        }));
        return command;
    }
}
