using SkiaSharp;
using Tenni.Features;
using Tenni.Imaging;
using Tenni.Models;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Cli;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class CommandTests
{
    [Fact]
    public void Layers_Resnet18_PrintsChainerNamesShapesAndParameters()
    {
        var (code, output, error) = CliRunner.Run("layers", "--model", "resnet18");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Matches(@"pool5\s+\(512,\)\s+0", output);
        Assert.Matches(@"res5\s+\(512, 7, 7\)\s+13,114,368", output);
        Assert.Contains("total parameters: 15,897,152", output);
    }

    [Fact]
    public void Show_RealPhoto_WritesPngOfPreprocessedTensorAndPrintsDtypeAndShape()
    {
        string photo = TestData.Photos("Dog", 1)[0];
        string png = Path.Combine(Directory.CreateTempSubdirectory("tenni-show").FullName, "prep.png");

        var (code, output, _) = CliRunner.Run("show", photo, "--model", "resnet18", "--out", png);

        Assert.Equal(0, code);
        Assert.Contains("dtype: float32", output);
        Assert.Contains("shape: (3, 224, 224)", output);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(224, bitmap.Width);
        Assert.Equal(224, bitmap.Height);

        // The picture is the tensor cast to bytes as numpy's astype(uint8) does: check one pixel.
        using var model = SourceModel.Load("resnet18");
        using var scope = NewDisposeScope();
        float value = model.Preprocessing.ToTensor(ImageDecoder.Decode(photo))[0, 100, 50].item<float>();
        Assert.Equal(unchecked((byte)(int)value), bitmap.GetPixel(50, 100).Red);
    }

    [Fact]
    public void Extract_FilesAndBadFile_WritesNpyRowsInOrderWithFileListAndReportsSkip()
    {
        // Given two photos in a folder (listed sorted), one given directly, and an unreadable file
        string folder = Directory.CreateTempSubdirectory("tenni-extract").FullName;
        string[] photos = TestData.Photos("Cat", 3);
        File.Copy(photos[1], Path.Combine(folder, "b.jpg"));
        File.Copy(photos[0], Path.Combine(folder, "a.jpg"));
        File.WriteAllText(Path.Combine(folder, "c.jpg"), "<html>not an image</html>");
        string npy = Path.Combine(Directory.CreateTempSubdirectory("tenni-extract-out").FullName, "features.npy"); // never inside an input folder

        // When extracting pool5
        var (code, output, error) = CliRunner.Run("extract", photos[2], folder, "--layer", "pool5", "--out", npy, "--batch", "2");

        // Then the .npy holds three float32 rows of 512 in the order given, the list is beside it, the bad file is reported
        Assert.Equal(0, code);
        var (descr, _, shape, data) = NpyFile.Read(npy);
        Assert.Equal("<f4", descr);
        Assert.Equal([3L, 512], shape);
        string[] listed = File.ReadAllLines(FeatureExtractor.FileListPath(npy));
        Assert.Equal([photos[2], Path.Combine(folder, "a.jpg"), Path.Combine(folder, "b.jpg")], listed);
        Assert.Contains("c.jpg", error);
        Assert.Contains("skipped 1", output);

        using var model = SourceModel.Load("resnet18");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        float[] expected = model.Features(model.Preprocessing.ToBatch([ImageDecoder.Decode(photos[0])])).data<float>().ToArray();
        TensorAssert.AllClose(expected, data[512..1024], 1e-4);
    }

    [Theory]
    [InlineData("unknown model 'vgg99'", "layers", "--model", "vgg99")]
    [InlineData("unknown layer 'fc7'", "extract", "{photo}", "--layer", "fc7")]
    [InlineData("does not exist", "extract", "/no/such/folder")]
    [InlineData("does not exist", "show", "/no/such/image.jpg")]
    [InlineData("is not a weight file Tenni can read", "layers", "--weights", "{photo}")]
    [InlineData("weight file '/no/such/model.onnx' does not exist", "layers", "--weights", "/no/such/model.onnx")]
    [InlineData("Unrecognized command or argument '--bogus'", "layers", "--bogus")]
    public void BadInput_OneLineMessageAndExitCode2(string message, params string[] args)
    {
        string photo = TestData.Photos("Cat", 1)[0];
        string[] resolved = args.Select(a => a.Replace("{photo}", photo)).ToArray();

        var (code, _, error) = CliRunner.Run(resolved);

        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void BadInput_Verbose_AddsStackTrace()
    {
        var (code, _, error) = CliRunner.Run("layers", "--model", "vgg99", "--verbose");

        Assert.Equal(2, code);
        Assert.Contains("   at ", error);
    }

    [Fact]
    public void TruncatedWeights_OneLineMessageAndExitCode2()
    {
        string weights = Path.Combine(Directory.CreateTempSubdirectory("tenni-weights").FullName, "resnet18.onnx");
        byte[] real = File.ReadAllBytes(KnownModels.ResNet18.LocateWeights());
        File.WriteAllBytes(weights, real[..(real.Length / 3)]);

        var (code, _, error) = CliRunner.Run("layers", "--weights", weights);

        Assert.Equal(2, code);
        Assert.Contains("is truncated or damaged", error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
