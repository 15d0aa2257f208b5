using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

/// <summary><c>--model NAME --weights FILE</c> from the command line: bad files are one line and exit code 2.</summary>
[Collection(TorchCollection.Name)]
public sealed class SourceWeightsCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-cli-weights-").FullName;

    [Fact]
    public void Weights_of_another_architecture_exit_2_and_name_it()
    {
        var files = RandomWeightFiles.Write("resnet50", "pth", _folder, 16);
        var (code, output, error) = CliRunner.Run("layers", "--model", "vgg16", "--weights", files.Path);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("--model resnet50", error);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_exits_2_naming_the_layer_and_both_shapes()
    {
        var files = RandomWeightFiles.Write("vgg16", "safetensors", _folder, 16);
        var (code, _, error) = CliRunner.Run("extract", "--model", "vgg16", "--weights", files.Path, "--out", Path.Combine(_folder, "x.npy"), TestData.PetImages);
        Assert.Equal(2, code);
        Assert.Matches(@"^error: layer conv1_1 of vgg16: tensor 'features\.0\.weight' in '.*' has shape \[4, 3, 3, 3\], expected \[64, 3, 3, 3\]\s*$", error);
    }

    [Theory]
    [InlineData("npz")]
    [InlineData("pth-legacy")]
    public void A_truncated_file_exits_2(string format)
    {
        var files = RandomWeightFiles.Write("googlenet", format, _folder, 8);
        byte[] bytes = File.ReadAllBytes(files.Path);
        File.WriteAllBytes(files.Path, bytes[..(bytes.Length / 2)]);
        var (code, _, error) = CliRunner.Run("layers", "--model", "googlenet", "--weights", files.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains(files.Path, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_model_without_bundled_weights_says_where_to_get_them()
    {
        var (code, _, error) = CliRunner.Run("layers", "--model", "vgg16");
        Assert.Equal(2, code);
        Assert.Contains("VGG_ILSVRC_16_layers.npz", error);
        Assert.Contains("--weights", error);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
