using Tenni.Imaging;

namespace Tenni.Tests.Imaging;

/// <summary>The pixel transforms behind augmentation, on small synthetic images whose answer is known.</summary>
public sealed class AugmentTransformTests
{
    [Fact]
    public void Brightness_FactorOne_Identity_FactorTwo_DoublesAndClamps()
    {
        var image = Noise(5, 4, seed: 1);

        Assert.Equal(image.Pixels, ColorAdjust.Brightness(image, 1).Pixels);
        Assert.Equal(image.Pixels.Select(v => (byte)Math.Min(255, v * 2)), ColorAdjust.Brightness(image, 2).Pixels);
        Assert.All(ColorAdjust.Brightness(image, 0).Pixels, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Contrast_FactorZero_FlatMeanGrey()
    {
        var image = Noise(6, 3, seed: 2);
        double mean = Enumerable.Range(0, 18).Average(p => Math.Floor((0.2989 * image.Pixels[p * 3]) + (0.587 * image.Pixels[(p * 3) + 1]) + (0.114 * image.Pixels[(p * 3) + 2])));

        var flat = ColorAdjust.Contrast(image, 0);

        Assert.All(flat.Pixels, v => Assert.Equal((byte)mean, v));
        Assert.Equal(image.Pixels, ColorAdjust.Contrast(image, 1).Pixels);
    }

    [Fact]
    public void Saturation_FactorZero_GreyPixels_FactorOne_Identity()
    {
        var image = Noise(4, 4, seed: 3);

        var grey = ColorAdjust.Saturation(image, 0);

        for (int p = 0; p < 16; p++)
        {
            byte expected = (byte)((0.2989 * image.Pixels[p * 3]) + (0.587 * image.Pixels[(p * 3) + 1]) + (0.114 * image.Pixels[(p * 3) + 2]));
            Assert.Equal([expected, expected, expected], grey.Pixels[(p * 3)..((p * 3) + 3)]);
        }

        Assert.Equal(image.Pixels, ColorAdjust.Saturation(image, 1).Pixels);
    }

    [Fact]
    public void Rotate_Zero_Identity()
    {
        var image = Noise(7, 5, seed: 4);

        Assert.Equal(image.Pixels, ImageAffine.Rotate(image, 0).Pixels);
    }

    [Fact]
    public void Rotate_NinetyOnSquare_IsNumpysRot90CounterClockwise()
    {
        const int n = 6;
        var image = Noise(n, n, seed: 5);

        var turned = ImageAffine.Rotate(image, 90);

        // numpy.rot90 (counter-clockwise): out[i, j] = in[j, n - 1 - i].
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Assert.Equal(image.Pixels[(((j * n) + (n - 1 - i)) * 3) + c], turned.Pixels[(((i * n) + j) * 3) + c]);
                }
            }
        }
    }

    [Fact]
    public void Rotate_FortyFive_CornersFilledBlack_CentreKept()
    {
        var image = new RgbImage(9, 9, Enumerable.Repeat((byte)200, 9 * 9 * 3).ToArray());

        var turned = ImageAffine.Rotate(image, 45);

        Assert.Equal([0, 0, 0], turned.Pixels[..3]);
        Assert.Equal([200, 200, 200], turned.Pixels[(((4 * 9) + 4) * 3)..((((4 * 9) + 4) * 3) + 3)]);
    }

    [Fact]
    public void Translate_WholePixels_ShiftsAndFillsBlack()
    {
        var image = Noise(5, 3, seed: 6);

        var moved = ImageAffine.Translate(image, 2, 0);

        for (int y = 0; y < 3; y++)
        {
            Assert.Equal(new byte[6], moved.Pixels[(y * 15)..((y * 15) + 6)]);
            Assert.Equal(image.Pixels[(y * 15)..((y * 15) + 9)], moved.Pixels[((y * 15) + 6)..((y * 15) + 15)]);
        }
    }

    [Fact]
    public void AutoContrast_StretchesEachChannelToFullRange()
    {
        var image = new RgbImage(2, 1, [10, 50, 7, 20, 150, 7]);

        Assert.Equal(new byte[] { 0, 0, 7, 255, 255, 7 }, ColorAdjust.AutoContrast(image).Pixels);
    }

    /// <summary>Random pixels with every channel spanning 0..255, so autocontrast leaves it as it is.</summary>
    internal static RgbImage Noise(int width, int height, int seed)
    {
        byte[] pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        pixels[0] = pixels[1] = pixels[2] = 0;
        pixels[^1] = pixels[^2] = pixels[^3] = 255;
        return new RgbImage(width, height, pixels);
    }
}
