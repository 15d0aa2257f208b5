using TorchSharp;

namespace Tenni.Tests.Cli;

/// <summary>The issue-14 options from the command line: bad values are one line and exit code 2, before any work.</summary>
public sealed class SpeedOptionTests
{
    [Theory]
    [InlineData("train", "--data", ".")]
    [InlineData("extract", "x.jpg")]
    public void DeviceCuda_OnTheCpuBuild_OneLineSayingHowToGetACudaBuild(params string[] args)
    {
        global::Tenni.Native.TorchNative.EnsureLoaded();
        if (torch.cuda.is_available())
        {
            return; // a CUDA build runs instead
        }

        var (code, output, error) = CliRunner.Run([.. args, "--device", "cuda"]);

        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("TorchSharp-cuda-linux", error);
        Assert.DoesNotContain("   at ", error + output);
    }

    [Fact]
    public void UnknownDevice_SaysWhatIsValid()
    {
        var (code, _, error) = CliRunner.Run("extract", "x.jpg", "--device", "tpu");

        Assert.Equal(2, code);
        Assert.Contains("unknown device 'tpu'; expected cpu or cuda", error);
    }

    [Fact]
    public void UnknownPrecision_ListsTheValidOnes()
    {
        var (code, _, error) = CliRunner.Run("extract", "x.jpg", "--precision", "half");

        Assert.NotEqual(0, code);
        Assert.Contains("Bf16", error);
        Assert.Contains("Fp32", error);
    }
}
