using System.Diagnostics;
using Microsoft.ML;
using SkiaSharp;

namespace MlNetRecipe;

/// <summary>
/// The speed issue's yardstick: ML.NET's ResNet18 featurizer and L-BFGS (maximum entropy) on the same photos,
/// a random 70/30 split, in a process of its own (ML.NET's image loader is built against SkiaSharp 2.88,
/// Tenni against 3.119, so the two cannot share one). Files that do not decode are left out before the
/// clock starts (ML.NET's image loader stops at the first one; Tenni's scan finds them in its own time).
/// Prints the wall time of fitting (featurizing the training photos, L-BFGS) and scoring the validation
/// photos, and their accuracy; benchmarks/mlnet-vs-tenni.sh runs it beside <c>tenni train</c>.
/// </summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        string data = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "data", "PetImages-mini");
        var photos = Directory.GetDirectories(data).Order(StringComparer.Ordinal)
            .SelectMany(folder => Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => new Photo { ImagePath = f, Label = Path.GetFileName(folder) }))
            .Where(p => Decodes(p.ImagePath)).ToList();
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var all = ml.Data.LoadFromEnumerable(photos);
        var split = ml.Data.TrainTestSplit(all, testFraction: 0.3, seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(Photo.Label))
            .Append(ml.Transforms.LoadImages("Image", imageFolder: "", inputColumnName: nameof(Photo.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", 224, 224, "Image"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"));
        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet), "LabelKey");
        Console.WriteLine($"ML.NET: {photos.Count} photos, fit + validation {clock.Elapsed.TotalSeconds:F1} s, validation accuracy {metrics.MicroAccuracy:F4}");
    }

    private static bool Decodes(string path)
    {
        using var bitmap = SKBitmap.Decode(path);
        return bitmap is not null;
    }

    private sealed class Photo
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }
}
