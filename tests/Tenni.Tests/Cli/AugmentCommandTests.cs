using SkiaSharp;
using Tenni.Data;
using Tenni.Imaging;
using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

/// <summary><c>--augment</c> from the command line: the show grid, a short training run, and the one-line refusals.</summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class AugmentCommandTests
{
    [Fact]
    public void Show_AugmentCount8_WritesGridOfWhatTheLoaderDraws()
    {
        string photo = TestData.Photos("Dog", 1)[0];
        string folder = Directory.CreateTempSubdirectory("tenni-show-augment").FullName;
        string png = Path.Combine(folder, "grid.png");

        var (code, output, error) = CliRunner.Run("show", photo, "--augment", "flip,rotate=10,jitter=0.3", "--count", "8", "--out", png);

        Assert.True(code == 0, error);
        Assert.Contains("8 tiles of", output);
        Assert.Contains("flip, rotate=10, brightness=0.3, contrast=0.3, saturation=0.3, seed 1", output);
        using var grid = SKBitmap.Decode(png);
        Assert.Equal((908, 452), (grid.Width, grid.Height)); // 4 × 224 + 3 gaps of 4; 2 rows

        // Tile 0 is the photo as epoch 0 of training with seed 1 augments it at position 0; tile 1 differs.
        var augmentation = new Augmentation { HorizontalFlip = true, RotationDegrees = 10, Brightness = 0.3, Contrast = 0.3, Saturation = 0.3 };
        using var model = SourceModel.Load("resnet18");
        var tile0 = augmentation.Apply(ImageDecoder.Decode(photo), model.Preprocessing, LoaderRandom.ForImage(1, 0, 0));
        int mismatches = 0;
        int changed = 0;
        for (int y = 0; y < 224; y += 7)
        {
            for (int x = 0; x < 224; x += 7)
            {
                int p = ((y * 224) + x) * 3;
                mismatches += grid.GetPixel(x, y) == new SKColor(tile0.Pixels[p], tile0.Pixels[p + 1], tile0.Pixels[p + 2]) ? 0 : 1;
                changed += grid.GetPixel(x, y) == grid.GetPixel(x + 228, y) ? 0 : 1;
            }
        }

        Assert.Equal(0, mismatches);
        Assert.True(changed > 100, $"tile 1 should differ from tile 0; {changed} of 1024 sampled pixels do");
    }

    [Fact]
    public void Train_RandAugmentOnTinySubset_RunsWithCacheOffAndSaysWhy()
    {
        string data = Directory.CreateTempSubdirectory("tenni-augment-data").FullName;
        foreach (string name in new[] { "Cat", "Dog" })
        {
            Directory.CreateDirectory(Path.Combine(data, name));
            foreach (string photo in TestData.Photos(name, 4))
            {
                File.Copy(photo, Path.Combine(data, name, Path.GetFileName(photo)));
            }
        }

        string run = Path.Combine(Directory.CreateTempSubdirectory("tenni-augment-run").FullName, "run");

        var (code, output, error) = CliRunner.Run("train", "--data", data, "--augment", "randaugment", "--epochs", "1", "--batch", "4", "--out", run);

        Assert.True(code == 0, error);
        Assert.Contains("cache: off: augmentation (randaugment=2:9) redraws every training image each epoch, so no layer's output repeats and no training photo is cached", output);
        Assert.Contains("the validation photos, never augmented, are cached at pool5", output);
        Assert.Contains("done: best validation accuracy", output);
        string config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.Contains("\"RandAugmentOps\": 2", config);
        Assert.Contains("\"RandAugmentMagnitude\": 9", config);
    }

    [Fact]
    public void Show_BadAugmentOrCount_OneLineAndExitCode2()
    {
        string photo = TestData.Photos("Cat", 1)[0];
        string png = Path.Combine(Directory.CreateTempSubdirectory("tenni-show-augment").FullName, "grid.png");
        (string Message, string[] Args)[] cases =
        [
            ("unknown augmentation 'spin'; valid: flip, crop, rotate[=DEGREES], jitter[=X], brightness[=X], contrast[=X], saturation[=X], randaugment[=N:M]", ["--augment", "spin"]),
            ("--augment: 'rotate=ten' is not a number; expected degrees, e.g. rotate=10 (0 to 180)", ["--augment", "rotate=ten"]),
            ("--augment: rotation must be 0 to 180 degrees (0: off), got 200", ["--augment", "rotate=200"]),
            ("--augment: contrast jitter must be 0 to 1 (0: off), got 1.5", ["--augment", "jitter=1.5"]),
            ("--augment: 'randaugment=2' is not N:M; expected e.g. randaugment=2:9", ["--augment", "randaugment=2"]),
            ("--augment: RandAugment ops (N) must be 1 to 10 (0: off), got 11", ["--augment", "randaugment=11:9"]),
            ("--augment: 'flip' takes no value", ["--augment", "flip=1"]),
            ("--count must be 1 to 64, got 65", ["--augment", "flip", "--count", "65"]),
            ("--count and --seed choose the augmented pictures; add --augment", ["--count", "4"]),
        ];
        foreach (var (message, args) in cases)
        {
            var (code, _, error) = CliRunner.Run(["show", photo, "--out", png, .. args]);
            Assert.True(code == 2, $"{string.Join(' ', args)} → {code}: {error}");
            Assert.Contains(message, error);
            Assert.Single(error.Trim().Split('\n'));
        }

        Assert.False(File.Exists(png));
    }
}
