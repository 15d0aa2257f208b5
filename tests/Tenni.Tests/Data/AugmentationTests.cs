using Tenni.Data;
using Tenni.Imaging;
using Tenni.Tests.Imaging;

namespace Tenni.Tests.Data;

/// <summary>The random policies: seeded, and each draw within the ranges the docs promise.</summary>
public sealed class AugmentationTests
{
    private static readonly Preprocessing Small = Preprocessing.Caffe(16);

    private static readonly Augmentation Everything = new()
    {
        HorizontalFlip = true, RandomResizedCrop = true, RotationDegrees = 10, Brightness = 0.3, Contrast = 0.3, Saturation = 0.3, RandAugmentOps = 2, RandAugmentMagnitude = 9,
    };

    [Fact]
    public void Apply_SameSeedEpochPosition_SamePixels_OtherPositionOrEpoch_Different()
    {
        var image = AugmentTransformTests.Noise(40, 30, seed: 7);

        byte[] Pixels(int seed, int epoch, int position) => Everything.Apply(image, Small, LoaderRandom.ForImage(seed, epoch, position)).Pixels;

        Assert.Equal(Pixels(1, 0, 0), Pixels(1, 0, 0));
        Assert.NotEqual(Pixels(1, 0, 0), Pixels(1, 0, 1));
        Assert.NotEqual(Pixels(1, 0, 0), Pixels(1, 1, 0));
        Assert.NotEqual(Pixels(1, 0, 0), Pixels(2, 0, 0));
    }

    [Theory]
    [InlineData(nameof(Augmentation.RotationDegrees))]
    [InlineData(nameof(Augmentation.Brightness))]
    [InlineData(nameof(Augmentation.Contrast))]
    [InlineData(nameof(Augmentation.Saturation))]
    [InlineData(nameof(Augmentation.RandAugmentOps))]
    public void IsEnabled_EachNewTransformAlone_TurnsItOn(string property)
    {
        var augmentation = property switch
        {
            nameof(Augmentation.RotationDegrees) => new Augmentation { RotationDegrees = 5 },
            nameof(Augmentation.Brightness) => new Augmentation { Brightness = 0.1 },
            nameof(Augmentation.Contrast) => new Augmentation { Contrast = 0.1 },
            nameof(Augmentation.Saturation) => new Augmentation { Saturation = 0.1 },
            _ => new Augmentation { RandAugmentOps = 1 },
        };

        Assert.True(augmentation.IsEnabled);
        Assert.False(new Augmentation().IsEnabled);
    }

    [Fact]
    public void RandAugment_MagnitudeZero_ChangesNothing()
    {
        // At M = 0 every op is the identity; autocontrast too, as every channel already spans 0..255.
        var image = AugmentTransformTests.Noise(16, 16, seed: 8);
        var augmentation = new Augmentation { RandAugmentOps = 6, RandAugmentMagnitude = 0 };

        for (int position = 0; position < 20; position++)
        {
            Assert.Equal(image.Pixels, augmentation.Apply(image, Small, LoaderRandom.ForImage(1, 0, position)).Pixels);
        }
    }

    [Fact]
    public void RandAugment_Draw_NOpsWithMagnitudeScaledFromThirty()
    {
        var steps = RandAugmentPolicy.Draw(ops: 4, magnitude: 15, new Random(3));

        Assert.Equal(4, steps.Count);
        Assert.All(steps, s => Assert.Equal(s.Op.Max / 2, Math.Abs(s.Magnitude), 12));
        var names = Enumerable.Range(0, 200).SelectMany(p => RandAugmentPolicy.Draw(3, 9, new Random(p))).Select(s => s.Op.Name).Distinct().Order();
        Assert.Equal(RandAugmentPolicy.OpNames.Order(), names);
        Assert.True(RandAugmentPolicy.OpNames.Count >= 6);
    }

    [Fact]
    public void ColorJitter_FactorsStayInTorchvisionsRange()
    {
        // A flat grey image: brightness b and contrast/saturation (no-ops on grey) leave value·b, b in [0.5, 1.5].
        var grey = new RgbImage(4, 4, Enumerable.Repeat((byte)100, 48).ToArray());

        var values = Enumerable.Range(0, 300).Select(p => (int)ColorJitter.Apply(grey, 0.5, 0.5, 0.5, new Random(p)).Pixels[0]).ToArray();

        Assert.All(values, v => Assert.InRange(v, 49, 150));
        Assert.True(values.Min() < 60 && values.Max() > 140, $"factors should cover [0.5, 1.5], got {values.Min()}..{values.Max()}");
    }

    [Theory]
    [InlineData(181, 0, 0, 0, "rotation must be 0 to 180 degrees")]
    [InlineData(0, -0.1, 0, 0, "brightness jitter must be 0 to 10")]
    [InlineData(0, 0, 1.5, 0, "contrast jitter must be 0 to 1")]
    [InlineData(0, 0, 0, 11, "RandAugment ops (N) must be 1 to 10")]
    public void Validate_OutOfRange_OneLineSayingWhatIsValid(double rotation, double brightness, double contrast, int ops, string message)
    {
        var augmentation = new Augmentation { RotationDegrees = rotation, Brightness = brightness, Contrast = contrast, RandAugmentOps = ops };

        var error = Assert.Throws<TenniException>(augmentation.Validate);

        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
