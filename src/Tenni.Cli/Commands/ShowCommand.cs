using System.CommandLine;
using Tenni.Data;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary>
/// <c>tenni show</c>: pictures the preprocessed tensor as ChainerCV's <c>vis_image</c> would, and prints
/// dtype and shape; with <c>--augment</c>, a grid of what training feeds the model instead.
/// </summary>
internal static class ShowCommand
{
    public const int MaxCount = 64;

    private const int DefaultCount = 8;

    public static Command Create(CommandContext context)
    {
        var image = new Argument<string>("image") { Description = "An image file" };
        var model = CommonOptions.Model();
        var weights = CommonOptions.Weights();
        var preprocessing = CommonOptions.Preprocessing();
        var output = new Option<string>("--out", "-o") { Description = "PNG file to write", DefaultValueFactory = _ => "prep.png" };
        var augment = new Option<string?>("--augment") { Description = $"Picture this training augmentation instead, as tenni train takes it: {AugmentationSyntax.Valid}" };
        var count = new Option<int?>("--count") { Description = $"With --augment: how many augmented versions to tile (1 to {MaxCount}, default {DefaultCount}); tile k is epoch k" };
        var seed = new Option<int?>("--seed") { Description = "With --augment: the training seed (default 1, as tenni train)" };
        var command = new Command("show", "Write a picture of an image after the model's preprocessing, or after training augmentation") { image, model, weights, preprocessing, output, augment, count, seed };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string path = parsed.GetValue(image)!;
            string target = parsed.GetValue(output)!;
            string? spec = parsed.GetValue(augment);
            if (spec is null && (parsed.GetValue(count) is not null || parsed.GetValue(seed) is not null))
            {
                throw new TenniException("--count and --seed choose the augmented pictures; add --augment, e.g. --augment flip,rotate=10");
            }

            OutputGuard.Check(target, "--out", [path]);
            if (spec is not null)
            {
                WriteGrid(context, (path, target, spec), parsed.GetValue(count) ?? DefaultCount, parsed.GetValue(seed) ?? 1, () => CommonOptions.LoadModel(parsed, model, weights, preprocessing));
                return 0;
            }

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

    /// <summary>
    /// Tile k is the image as the training loader augments it in epoch k at position 0 of the shuffled
    /// order, with the same seed: the same random stream, so the same pixels.
    /// </summary>
    private static void WriteGrid(CommandContext context, (string Image, string Target, string Spec) paths, int count, int seed, Func<SourceModel> load)
    {
        if (count is < 1 or > MaxCount)
        {
            throw new TenniException($"--count must be 1 to {MaxCount}, got {count}");
        }

        Augmentation augmentation = AugmentationSyntax.Parse(paths.Spec);
        if (!augmentation.IsEnabled)
        {
            throw new TenniException($"--augment '{paths.Spec}' names no augmentation; valid: {AugmentationSyntax.Valid}");
        }

        RgbImage decoded = ImageDecoder.Decode(paths.Image);
        using var source = load();
        var tiles = Enumerable.Range(0, count)
            .Select(epoch => augmentation.Apply(decoded, source.Preprocessing, LoaderRandom.ForImage(seed, epoch, 0)))
            .ToArray();
        ImageGrid.WritePng(tiles, paths.Target);
        var (width, height) = ImageGrid.Size(count, tiles[0].Width, tiles[0].Height);
        context.Output.WriteLine($"wrote {paths.Target} ({width}×{height}): {count} tiles of {TextEscaping.ForDisplay(paths.Image)} augmented with {augmentation.Describe()}, seed {seed}, "
            + $"at the model's {tiles[0].Width}×{tiles[0].Height} input before normalisation; tile k (left to right, top to bottom) is what epoch k feeds the model at position 0 of its order");
    }
}
