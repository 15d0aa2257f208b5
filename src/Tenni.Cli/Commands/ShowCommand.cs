using System.CommandLine;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni show</c>: pictures the preprocessed tensor as ChainerCV's <c>vis_image</c> would, and prints dtype and shape.</summary>
internal static class ShowCommand
{
    public static Command Create(CommandContext context)
    {
        var image = new Argument<string>("image") { Description = "An image file" };
        var model = CommonOptions.Model();
        var weights = CommonOptions.Weights();
        var preprocessing = CommonOptions.Preprocessing();
        var output = new Option<string>("--out", "-o") { Description = "PNG file to write", DefaultValueFactory = _ => "prep.png" };
        var command = new Command("show", "Write a picture of an image after the model's preprocessing") { image, model, weights, preprocessing, output };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string path = parsed.GetValue(image)!;
            string target = parsed.GetValue(output)!;
            OutputGuard.Check(target, "--out", [path]);
            RgbImage decoded = ImageDecoder.Decode(path);
            using var source = CommonOptions.LoadModel(parsed, model, weights, preprocessing);
            using var tensor = source.Preprocessing.ToTensor(decoded);
            PreprocessedImageView.WritePng(tensor, target);
            context.Output.WriteLine($"dtype: float32");
            context.Output.WriteLine($"shape: ({string.Join(", ", tensor.shape)})");
            context.Output.WriteLine($"wrote {target} ({source.Preprocessing.Kind} preprocessing of {TextEscaping.ForDisplay(path)}, {decoded.Width}×{decoded.Height}; mean subtracted, so dark areas look inverted)");
            return 0;
        }));
        return command;
    }
}
